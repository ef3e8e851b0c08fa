"""`crm audit`: the audit log, newest first."""

from __future__ import annotations

import click
from sqlalchemy import select

from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit, format_option
from crm_core.foundation.errors import PermissionDenied
from crm_core.kernel.models import AuditEntry, User


@click.command("audit")
@click.option("--entity", help="Table name, e.g. crm_customer.")
@click.option("--id", "entity_id", help="Record id within the entity.")
@click.option("--limit", default=50, show_default=True)
@format_option
@pass_app
def audit(app: App, entity: str | None, entity_id: str | None, limit: int, fmt: str) -> None:
    """The audit log, newest first (admins, or holders of audit-reader).  审计日志。"""
    with app.work() as ctx:
        if not ctx.actor.has("audit-reader"):
            raise PermissionDenied(f"{ctx.actor.login} may not read the audit log")
        query = (
            select(AuditEntry, User.login)
            .outerjoin(User, User.id == AuditEntry.actor_id)
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        )
        if entity:
            query = query.where(AuditEntry.entity == entity)
        if entity_id:
            query = query.where(AuditEntry.entity_id == entity_id)
        rows = [
            {
                "at": ctx.local(a.at).strftime("%Y-%m-%d %H:%M:%S"),
                "user": login or "system",
                "action": a.action,
                "entity": a.entity,
                "id": a.entity_id,
                "field": a.field,
                "old": a.old_value,
                "new": a.new_value,
            }
            for a, login in ctx.session.execute(query)
        ]
    emit(rows, fmt, ["at", "user", "action", "entity", "id", "field", "old", "new"])


def command() -> click.Command:
    return audit
