"""Opening a grant-scoped record (crm_core.hooks.scoping.GrantScoped) to a user, and closing it:
a plugin decides who (a project's members), the visibility policy applies it everywhere."""

from __future__ import annotations

from sqlalchemy import delete, insert, select

from crm_core.foundation.schema import table_of
from crm_core.hooks.context import Context
from crm_core.kernel import audit_trail
from crm_core.kernel.models import Grant

_grants = table_of(Grant)


def open_to(ctx: Context, user_id: int, table_name: str, record_id: int) -> bool:
    """Let `user_id` see the record (and what is scoped by it); False when they could already."""
    key = (
        _grants.c.user_id == user_id,
        _grants.c.table_name == table_name,
        _grants.c.record_id == record_id,
    )
    if ctx.session.scalar(select(_grants.c.record_id).where(*key)) is not None:
        return False
    ctx.session.execute(
        insert(_grants).values(
            user_id=user_id, table_name=table_name, record_id=record_id, granted_at=ctx.now()
        )
    )
    audit_trail.record(
        ctx.session,
        [
            {
                "action": "grant",
                "entity": table_name,
                "entity_id": str(record_id),
                "field": "user_id",
                "new_value": audit_trail.render(user_id),
            }
        ],
    )
    return True


def close_to(ctx: Context, user_id: int, table_name: str, record_id: int) -> bool:
    """Take the grant back; False when there was none."""
    done = ctx.session.execute(
        delete(_grants).where(
            _grants.c.user_id == user_id,
            _grants.c.table_name == table_name,
            _grants.c.record_id == record_id,
        )
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        return False
    audit_trail.record(
        ctx.session,
        [
            {
                "action": "revoke",
                "entity": table_name,
                "entity_id": str(record_id),
                "field": "user_id",
                "old_value": audit_trail.render(user_id),
            }
        ],
    )
    return True
