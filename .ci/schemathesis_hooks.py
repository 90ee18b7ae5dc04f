"""Schemathesis hooks (loaded by .ci/schemathesis through SCHEMATHESIS_HOOKS).

Schemathesis's valid data is valid JSON Schema; the sandbox validates like FastAPI with
pydantic, which differs in two ways that these hooks step around, so that every other
check keeps its full force:

- Schemathesis has one key, the sandbox's demo account. An update that sets `is_active`
  to anything but true would deactivate it, and every later request would be refused with
  400 "Inactive user", as the real service does. Generated bodies keep it active.
- `EmailStr` (email-validator) refuses special-use domains such as `.test` and `.local`,
  which JSON Schema's `email` format allows. Such generated domains get `.com` appended.

Deactivation and addresses are tested in tests/hardening.rs and tests/fastapi.rs.
"""

import schemathesis

SPECIAL_USE_DOMAINS = ("arpa", "invalid", "local", "localhost", "onion", "test")


@schemathesis.hook
def before_call(context, case, kwargs):
    body = case.body
    if not isinstance(body, dict):
        return
    if "is_active" in body:
        body["is_active"] = True
    email = body.get("email")
    if isinstance(email, str) and "@" in email:
        domain = email.rpartition("@")[2].lower().rstrip(".")
        if any(domain == d or domain.endswith("." + d) for d in SPECIAL_USE_DOMAINS):
            body["email"] = email + ".com"
