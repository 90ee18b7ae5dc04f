"""A reference implementation of Insighto's user-profile API on real FastAPI and pydantic v2.

It is the yardstick of the sandbox: `tests/fastapi.rs` sends the same requests to this app
and to the sandbox and compares statuses, 422 locations and the values echoed back. The
models are written as an Insighto backend on the usual FastAPI user template would write
them (`IUserRead`, `IUserUpdate`), in pydantic's default (lax) mode; nothing here is
derived from the sandbox.

Accounts come from a seed file in the sandbox's format (`INSIGHTO_REFERENCE_SEED`):
`{"accounts": [{"api_key": "...", "profile": {"id": "...", ...}}]}`.

Run: `uvicorn app:app --host 127.0.0.1 --port N` with this directory as the working directory.
"""

import json
import os
from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import Depends, FastAPI, HTTPException, Security
from fastapi.security import APIKeyQuery
from pydantic import BaseModel, EmailStr


class IUserUpdate(BaseModel):
    first_name: str | None = None
    last_name: str | None = None
    email: EmailStr | None = None
    is_active: bool | None = None
    is_superuser: bool | None = None
    birthdate: datetime | None = None
    is_enterprise: bool | None = None
    role_id: UUID | None = None
    phone: str | None = None
    state: str | None = None
    country: str | None = None
    address: str | None = None
    active_billing_plan_id: UUID | None = None
    next_billing_plan_id: UUID | None = None
    stripe_customer_id: str | None = None
    stripe_subscription_id: str | None = None
    stripe_subscription_status: str | None = None
    stripe_has_payment_method: bool | None = None
    is_trial: bool | None = None
    used_trial: bool | None = None
    is_paying: bool | None = None
    stripe_last_payment_date: datetime | None = None
    billing_updated_at: datetime | None = None
    last_credits_refresh: datetime | None = None
    next_credits_refresh: datetime | None = None


class IUserRead(IUserUpdate):
    # A new account is active; the flags and counts start false and 0.
    is_active: bool | None = True
    is_superuser: bool | None = False
    is_enterprise: bool | None = False
    stripe_has_payment_method: bool | None = False
    is_trial: bool | None = False
    used_trial: bool | None = False
    is_paying: bool | None = False
    id: UUID
    follower_count: int | None = 0
    following_count: int | None = 0


class IUserResponse(BaseModel):
    message: str | None = None
    meta: dict[str, Any] = {}
    data: IUserRead


def load_accounts() -> dict[str, IUserRead]:
    path = os.environ.get("INSIGHTO_REFERENCE_SEED")
    if not path:
        return {}
    with open(path, encoding="utf-8") as f:
        seed = json.load(f)
    return {a["api_key"]: IUserRead(**a["profile"]) for a in seed["accounts"]}


ACCOUNTS = load_accounts()
app = FastAPI(title="Insighto reference")
api_key_query = APIKeyQuery(name="api_key")


def current_user(api_key: str = Security(api_key_query)) -> IUserRead:
    user = ACCOUNTS.get(api_key)
    if user is None:
        raise HTTPException(status_code=401, detail="Invalid API key")
    if not user.is_active:
        raise HTTPException(status_code=400, detail="Inactive user")
    return user


@app.get("/api/v1/user", response_model=IUserResponse)
def get_my_data(user: IUserRead = Depends(current_user)) -> Any:
    return {"message": "Data retrieved successfully", "meta": {}, "data": user}


@app.put("/api/v1/user/{user_id}", response_model=IUserResponse)
def update_user(
    user_id: UUID, update: IUserUpdate, user: IUserRead = Depends(current_user)
) -> Any:
    if not user.is_superuser and (user_id != user.id or update.is_superuser is True):
        raise HTTPException(status_code=403, detail="Not enough permissions")
    key = next((k for k, u in ACCOUNTS.items() if u.id == user_id), None)
    if key is None:
        raise HTTPException(status_code=404, detail="User not found")
    changed = ACCOUNTS[key].model_copy(update=update.model_dump(exclude_unset=True))
    ACCOUNTS[key] = changed
    return {"message": "Data updated successfully", "meta": {}, "data": changed}
