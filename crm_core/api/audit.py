"""The audit log through the API."""

from __future__ import annotations

import attrs
from sqlalchemy import select

from crm_core.api.common import check_limit
from crm_core.foundation.errors import PermissionDenied
from crm_core.hooks.context import Context
from crm_core.kernel.models import AuditEntry, User


@attrs.frozen
class AuditRecord:
    """One audited change: when (local time), who, what, on which record, from what to what."""

    at: str
    user: str
    action: str
    entity: str
    id: str
    field: str | None
    old: str | None
    new: str | None


class Audit:
    """`desk.audit`: every write leaves a row, in its own transaction (admins, or holders of the
    `audit-reader` permission)."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def entries(
        self, *, entity: str | None = None, entity_id: str | None = None, limit: int = 50
    ) -> tuple[AuditRecord, ...]:
        """The newest entries first, of one table (`crm_customer`) or one record if given."""
        ctx = self._ctx
        if not ctx.actor.has("audit-reader"):
            raise PermissionDenied(f"{ctx.actor.login} may not read the audit log")
        query = (
            select(AuditEntry, User.login)
            .outerjoin(User, User.id == AuditEntry.actor_id)
            .order_by(AuditEntry.id.desc())
            .limit(check_limit(limit))
        )
        if entity:
            query = query.where(AuditEntry.entity == entity)
        if entity_id:
            query = query.where(AuditEntry.entity_id == entity_id)
        return tuple(
            AuditRecord(
                at=ctx.local(a.at).strftime("%Y-%m-%d %H:%M:%S"),
                user=login or "system",
                action=a.action,
                entity=a.entity,
                id=a.entity_id,
                field=a.field,
                old=a.old_value,
                new=a.new_value,
            )
            for a, login in ctx.session.execute(query)
        )
