"""The rules feature: the core's rule events and actions, rules fired by the core's events, and
the follow-ups rules create, as reminders."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date

from sqlalchemy import select

from crm_core import __version__
from crm_core.features.rules.actions import builtin_actions
from crm_core.features.rules.engine import fire
from crm_core.hooks.context import Context
from crm_core.hooks.markers import hookimpl
from crm_core.hooks.plugin_spec import PluginSpec
from crm_core.hooks.reminders import Reminder
from crm_core.hooks.rows import CustomerRow, InteractionRow
from crm_core.hooks.rules import RuleAction, RuleEvent
from crm_core.kernel.models import Customer, FollowUp
from crm_core.kernel.planner import among

plugin = PluginSpec(
    name="rules",
    title="Automation rules",
    title_zh="自动化规则",
    version=__version__,
    description="Rules that run inside the write that fires their event; follow-ups they create.",
)


@hookimpl
def crm_register_rule_events(register: Callable[[RuleEvent], None]) -> None:
    register(RuleEvent("customer.created", "customers", "a customer was registered or imported"))
    register(RuleEvent("customer.level_changed", "customers", "a customer's level moved"))
    register(RuleEvent("interaction.logged", "interactions", "a visit, call ... was logged"))


@hookimpl
def crm_register_rule_actions(register: Callable[[RuleAction], None]) -> None:
    for action in builtin_actions():
        register(action)


@hookimpl
def crm_customers_created(ctx: Context, customer_ids: Sequence[int]) -> None:
    fire(ctx, "customer.created", customer_ids)


@hookimpl
def crm_customer_level_changed(ctx: Context, customer: CustomerRow) -> None:
    fire(ctx, "customer.level_changed", [customer.id])


@hookimpl
def crm_interactions_logged(ctx: Context, interactions: Sequence[InteractionRow]) -> None:
    fire(ctx, "interaction.logged", [i.id for i in interactions])


@hookimpl(specname="crm_collect_reminders")
def open_follow_ups(
    ctx: Context, user_ids: Sequence[int], on: date, limit: int | None, overdue_only: bool
) -> Iterable[Reminder]:
    query = (
        select(FollowUp.due_on, FollowUp.text, Customer.name, FollowUp.assignee_id)
        .join(Customer, Customer.id == FollowUp.customer_id)
        .where(
            among(ctx.session, FollowUp.assignee_id, user_ids),
            FollowUp.done_at.is_(None),
            FollowUp.due_on < on if overdue_only else FollowUp.due_on <= on,
        )
        .order_by(FollowUp.due_on, FollowUp.id)
        .limit(limit)
    )
    for due, text, name, person in ctx.session.execute(query):
        yield Reminder(due, "follow-up", text, name, person_id=person)
