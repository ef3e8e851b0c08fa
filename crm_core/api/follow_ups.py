"""Follow-ups through the API: dated to-dos about customers, made by people or by rules."""

from __future__ import annotations

from datetime import date

import attrs
from sqlalchemy import select

from crm_core.foundation.errors import NotFound, PermissionDenied
from crm_core.hooks.context import Context
from crm_core.kernel.models import Customer, FollowUp, User

#: Follow-ups one list holds, the earliest due first.
LIST_MOST = 1000


@attrs.frozen
class FollowUpRecord:
    id: int
    due_on: date
    customer: str
    assignee: str
    text: str
    rule: str | None
    done: bool


class FollowUps:
    """`desk.follow_ups`: the follow-ups on customers you may see."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def list(self, *, done_too: bool = False) -> tuple[FollowUpRecord, ...]:
        """Open follow-ups (with `done_too`, the done ones as well) by due date, at most
        `LIST_MOST`."""
        query = (
            select(FollowUp, Customer.name, User.login)
            .join(Customer, Customer.id == FollowUp.customer_id)
            .join(User, User.id == FollowUp.assignee_id)
            .order_by(FollowUp.due_on, FollowUp.id)
            .limit(LIST_MOST)
        )
        if not done_too:
            query = query.where(FollowUp.done_at.is_(None))
        return tuple(
            FollowUpRecord(f.id, f.due_on, name, login, f.text, f.rule, f.done_at is not None)
            for f, name, login in self._ctx.session.execute(query)
        )

    def done(self, follow_up_id: int) -> None:
        """Mark a follow-up done: its assignee, or someone who manages them."""
        ctx = self._ctx
        found = ctx.session.scalar(select(FollowUp).where(FollowUp.id == follow_up_id))
        if found is None:
            raise NotFound(f"no follow-up {follow_up_id}")
        if ctx.actor.role == "sales" and found.assignee_id != ctx.actor.id:
            raise PermissionDenied(f"follow-up {follow_up_id} is not yours")
        found.done_at = ctx.now()
        ctx.session.flush()
