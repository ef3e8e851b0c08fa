"""Who may see and who may change a record, decided in the core and nowhere else.

May see: every ORM query through `ctx.session` is filtered by the visibility policy already (a
table that inherits a mixin of `crm_core.contract.tables`); `visible` reads one record or answers
NotFound exactly as for a missing one; `owner_is_visible` is the rule as SQL for a Core query,
`user_sees_customer` asks it for another user; `open_to`/`close_to` grant a grant-scoped record
(a project) to a user beyond their teams. May change: `may_change` / `require_may_change`
for a record by its owner, `manages` / `require_manages` for acting for a person, `require_role`.
"""

from crm_core.kernel.visibility import (
    PROBE_CUSTOMERS,
    owner_is_visible,
    sees_whole_teams,
    teams_managed_by,
    user_sees_customer,
)
from crm_core.services.access import (
    may_change,
    may_change_owned_by,
    owner_of,
    require_may_change,
    visible,
)
from crm_core.services.bulk_records import resolve_users, visible_customers
from crm_core.services.common import manages, require_manages, require_role, user_by_login
from crm_core.services.grants import close_to, open_to

__all__ = [
    "PROBE_CUSTOMERS",
    "close_to",
    "manages",
    "may_change",
    "may_change_owned_by",
    "open_to",
    "owner_is_visible",
    "owner_of",
    "require_manages",
    "require_may_change",
    "require_role",
    "resolve_users",
    "sees_whole_teams",
    "teams_managed_by",
    "user_by_login",
    "user_sees_customer",
    "visible",
    "visible_customers",
]
