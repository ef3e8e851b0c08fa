"""Reminders: what is due for a user on a day, gathered from the core and every enabled plugin."""

from __future__ import annotations

from datetime import date

import attrs

from crm_core.context import Context
from crm_core.services.common import require_manages, user_by_login


@attrs.frozen
class Reminder:
    due_on: date
    kind: str  # e.g. "follow-up", "dunning", "task"
    what: str
    customer: str | None = None
    source: str = "crm_core"


def collect(ctx: Context, on: date, user_login: str | None = None) -> list[dict[str, object]]:
    """Reminders due on or before `on` for `user_login` (default: the acting user)."""
    if user_login is None:
        if ctx.actor.id is None:
            return []
        user_id = ctx.actor.id
    else:
        user = user_by_login(ctx, user_login)
        require_manages(ctx, user, "read reminders")
        user_id = user.id
    items: list[Reminder] = ctx.hook.collect(
        "crm_collect_reminders", ctx=ctx, user_id=user_id, on=on
    )
    items.sort(key=lambda r: (r.due_on, r.kind, r.customer or "", r.what))
    return [
        {
            "due_on": r.due_on.isoformat(),
            "overdue_days": (on - r.due_on).days,
            "kind": r.kind,
            "customer": r.customer,
            "what": r.what,
            "source": r.source,
        }
        for r in items
    ]
