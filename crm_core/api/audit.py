"""The audit log through the API."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import attrs
from sqlalchemy import select

from crm_core.api.common import check_limit
from crm_core.foundation.errors import PermissionDenied, ValidationError
from crm_core.hooks.context import Context
from crm_core.kernel.models import AuditEntry, User
from crm_core.services.common import manages


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


@attrs.frozen
class ProbeRecord:
    """One person's registrations of a day that named customers they may not see."""

    day: date
    user: str
    probes: int
    refused: int


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

    def probes(self, days: int = 7) -> tuple[ProbeRecord, ...]:
        """Per local day and person, the last `days` days: registrations that named a customer
        the person may not see (`probes`) and those refused once the day's were spent. Admins
        and audit readers see everyone's, a manager those of the people they manage."""
        ctx = self._ctx
        if not (ctx.actor.has("audit-reader") or ctx.actor.role == "manager"):
            raise PermissionDenied(f"{ctx.actor.login} may not read who probed protection")
        if not 1 <= days <= 366:
            raise ValidationError("days must be 1 to 366")
        since = datetime.combine(ctx.today() - timedelta(days=days - 1), time.min, ctx.zone)
        rows = ctx.session.execute(
            select(AuditEntry.at, AuditEntry.action, User)
            .join(User, User.id == AuditEntry.actor_id)
            .where(AuditEntry.action.in_(("probe", "probe refused")), AuditEntry.at >= since)
        ).all()
        counts: dict[tuple[date, str], list[int]] = {}
        allowed: dict[int, bool] = {}
        for at, action, user in rows:
            if user.id not in allowed:
                allowed[user.id] = ctx.actor.has("audit-reader") or manages(ctx, user)
            if not allowed[user.id]:
                continue
            tally = counts.setdefault((ctx.local(at).date(), user.login), [0, 0])
            tally[0 if action == "probe" else 1] += 1
        return tuple(
            ProbeRecord(day, login, probes, refused)
            for (day, login), (probes, refused) in sorted(counts.items(), reverse=True)
        )
