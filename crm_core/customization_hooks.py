"""The core's answers to the customization hooks: its entities, picklists, rule events and
actions, the customers' sync export, follow-up reminders, and rules fired by core events.

Imported into `crm_core.builtin`, so they register with the core in every plugin manager.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from crm_core import custom_fields, i18n, rules
from crm_core.changes import CustomerChange
from crm_core.context import Context
from crm_core.entities import Entity, entity_named
from crm_core.errors import ValidationError
from crm_core.hookspecs import hookimpl
from crm_core.models import Contact, Customer, CustomValue, FollowUp, Interaction, Product, User
from crm_core.picklists import Choice, Picklist, resolver
from crm_core.planner import among
from crm_core.rules.actions import RuleAction, builtin_actions
from crm_core.rules.events import RuleEvent
from crm_core.services.reminders import Reminder
from crm_core.services.reports import Report, ReportParam, ReportTable
from crm_core.sync import SyncKind, changed_ids


@hookimpl
def crm_register_entities(register: Callable[[Entity], None]) -> None:
    register(Entity("customers", Customer, "Customers", "客户", changed_column="updated_at"))
    register(Entity("contacts", Contact, "Contacts", "联系人"))
    register(Entity("interactions", Interaction, "Interactions", "联系记录", label_column=None))
    register(Entity("products", Product, "Products", "产品", shared=True))
    register(Entity("follow-ups", FollowUp, "Follow-ups", "待办跟进", label_column="text"))


@hookimpl
def crm_register_picklists(register: Callable[[Picklist], None]) -> None:
    register(Picklist("industry", "Industries", "行业", (("customers", "industry"),)))
    register(Picklist("region", "Regions", "地区", (("customers", "region"),)))
    register(
        Picklist(
            "interaction_kind",
            "Interaction kinds",
            "联系方式",
            (("interactions", "kind"),),
            (
                Choice("visit", "Visit", "拜访"),
                Choice("call", "Call", "电话"),
                Choice("email", "Email", "邮件"),
                Choice("meeting", "Meeting", "会议"),
            ),
        )
    )


@hookimpl
def crm_validate_customer_changes(ctx: Context, changes: Sequence[CustomerChange]) -> None:
    """Industry and region must come from their picklists once those have values."""
    for field in ("industry", "region"):
        changed = [c for c in changes if c.changed(field) and c.after.get(field)]
        if not changed:
            continue
        resolve = resolver(ctx, field)
        if resolve is None:
            continue
        for change in changed:
            value = str(change.after[field])
            try:
                code = resolve(value)
            except ValidationError as exc:
                raise ValidationError(f"{change.label}: {exc}") from None
            if code != value:
                raise ValidationError(
                    f"{change.label}: "
                    + i18n._(
                        "{field} {value!r} is stored as its code {code!r}.",
                        field=field,
                        value=value,
                        code=code,
                    )
                )


@hookimpl(specname="crm_register_permissions")
def register_sync_permission(register: Callable[[str, str], None]) -> None:
    register("erp-sync", "may import ERP data with `crm sync import`")


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
    rules.fire(ctx, "customer.created", customer_ids)


@hookimpl
def crm_customer_level_changed(ctx: Context, customer: Customer) -> None:
    rules.fire(ctx, "customer.level_changed", [customer.id])


@hookimpl
def crm_interactions_logged(ctx: Context, interactions: Sequence[Interaction]) -> None:
    rules.fire(ctx, "interaction.logged", [i.id for i in interactions])


def _by_custom_field(ctx: Context, params: Mapping[str, Any]) -> ReportTable:
    """Records of an entity counted (and a numeric custom field summed) per value of a field."""
    entity = entity_named(ctx, params["entity"])
    if not params.get("field"):
        raise ValidationError(i18n._("Name the custom field: --param field=NAME."))
    field = custom_fields.field_named(ctx, entity.name, params["field"])
    group = aliased(CustomValue)
    value = func.coalesce(group.text, "-").label(field.name)
    columns: list[Any] = [value, func.count(entity.model.id).label("count")]
    query = (
        select(*columns)
        .select_from(entity.model)
        .outerjoin(group, and_(group.field_id == field.id, group.record_id == entity.model.id))
    )
    names = [field.name, "count"]
    if params.get("sum"):
        measure = custom_fields.field_named(ctx, entity.name, params["sum"])
        if measure.type not in {"int", "decimal"}:
            raise ValidationError(i18n._("{field} is not a number field.", field=measure.name))
        summed = aliased(CustomValue)
        query = query.outerjoin(
            summed, and_(summed.field_id == measure.id, summed.record_id == entity.model.id)
        ).add_columns(func.coalesce(func.sum(summed.number), 0).label(f"sum_{measure.name}"))
        names.append(f"sum_{measure.name}")
    query = query.group_by(group.text).order_by(func.count(entity.model.id).desc(), group.text)
    rows = [
        (row[0], int(row[1]), *(custom_fields.exact(v) for v in row[2:]))
        for row in ctx.session.execute(query)
    ]
    return ReportTable(tuple(names), rows)


@hookimpl(specname="crm_register_reports")
def register_custom_field_report(register: Callable[[Report], None]) -> None:
    register(
        Report(
            "by-custom-field",
            "Records by custom field",
            _by_custom_field,
            (
                ReportParam("entity", "customers, contacts, orders ...", default="customers"),
                ReportParam("field", "the custom field to group by (name or label)"),
                ReportParam("sum", "a number custom field to add up per group"),
            ),
            title_zh="按自定义字段统计",
        )
    )


@hookimpl
def crm_register_sync_kinds(register: Callable[[SyncKind], None]) -> None:
    register(SyncKind("customers", "customers changed since the moment", export=_export_customers))


def _export_customers(ctx: Context, since: datetime) -> Iterator[Mapping[str, Any]]:
    ids = changed_ids(ctx, ["crm_customer"], since)
    for start in range(0, len(ids), 500):
        batch = ids[start : start + 500]
        rows: list[dict[str, Any]] = [
            {
                "id": c.id,
                "name": c.name,
                "kind": c.kind,
                "level": c.level,
                "industry": c.industry,
                "region": c.region,
                "phone": c.phone,
                "address": c.address,
                "owner": login,
                "updated_at": ctx.local(c.updated_at).isoformat(),
            }
            for c, login in ctx.session.execute(
                select(Customer, User.login)
                .outerjoin(User, User.id == Customer.owner_id)
                .where(Customer.id.in_(batch))
                .order_by(Customer.id)
            )
        ]
        custom_fields.decorate(ctx, "customers", rows)
        yield from rows


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
