"""Schemathesis hooks (loaded by .ci/schemathesis through SCHEMATHESIS_HOOKS).

Schemathesis has one key, the sandbox's demo account. A generated update that sets
`is_active` to anything but true would deactivate that account, and every later request
would be refused with 400 "Inactive user", as the real service does. So generated bodies
keep the account active; deactivation is tested in tests/hardening.rs and tests/fastapi.rs.
"""

import schemathesis


@schemathesis.hook
def before_call(context, case, kwargs):
    if isinstance(case.body, dict) and "is_active" in case.body:
        case.body["is_active"] = True
