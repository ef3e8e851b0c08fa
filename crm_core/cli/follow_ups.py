"""`crm follow-ups`: the follow-ups that rules and people planned."""

from __future__ import annotations

import click
from sqlalchemy import select

from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit, format_option
from crm_core.foundation.errors import NotFound, PermissionDenied
from crm_core.kernel.models import Customer, FollowUp, User


def follow_ups_group() -> click.Group:
    @click.group("follow-ups")
    def group() -> None:
        """Dated to-dos about customers (made by hand or by rules).  待办跟进。"""

    @group.command("list")
    @click.option("--all", "show_all", is_flag=True, help="Include done ones.")
    @format_option
    @pass_app
    def list_(app: App, show_all: bool, fmt: str) -> None:
        """Follow-ups on customers you may see, by due date."""
        with app.work() as ctx:
            query = (
                select(FollowUp, Customer.name, User.login)
                .join(Customer, Customer.id == FollowUp.customer_id)
                .join(User, User.id == FollowUp.assignee_id)
                .order_by(FollowUp.due_on, FollowUp.id)
                .limit(1000)
            )
            if not show_all:
                query = query.where(FollowUp.done_at.is_(None))
            rows = [
                {
                    "id": f.id,
                    "due_on": f.due_on,
                    "customer": name,
                    "assignee": login,
                    "text": f.text,
                    "rule": f.rule,
                    "done": f.done_at is not None,
                }
                for f, name, login in ctx.session.execute(query)
            ]
        emit(rows, fmt, ["id", "due_on", "customer", "assignee", "text", "rule", "done"])

    @group.command("done")
    @click.argument("follow_up_id", type=int)
    @pass_app
    def done(app: App, follow_up_id: int) -> None:
        """Mark a follow-up done (its assignee, or their manager)."""
        with app.work(write=True) as ctx:
            found = ctx.session.scalar(select(FollowUp).where(FollowUp.id == follow_up_id))
            if found is None:
                raise NotFound(f"no follow-up {follow_up_id}")
            if ctx.actor.role == "sales" and found.assignee_id != ctx.actor.id:
                raise PermissionDenied(f"follow-up {follow_up_id} is not yours")
            found.done_at = ctx.now()
            ctx.session.flush()
        click.echo(f"follow-up {follow_up_id} done")

    return group


def command() -> click.Command:
    return follow_ups_group()
