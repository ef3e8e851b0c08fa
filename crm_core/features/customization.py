"""The customization feature: the core's entities and picklists, picklist values checked on
customer writes, and the report by a custom field."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from crm_core import __version__
from crm_core.foundation import i18n
from crm_core.foundation.errors import ValidationError
from crm_core.hooks.changes import CustomerChange
from crm_core.hooks.context import Context
from crm_core.hooks.entities import Entity
from crm_core.hooks.markers import hookimpl
from crm_core.hooks.picklists import Choice, Picklist
from crm_core.hooks.plugin_spec import PluginSpec
from crm_core.hooks.reports import Report, ReportParam, ReportTable
from crm_core.kernel.models import (
    KINDS,
    Contact,
    Customer,
    CustomValue,
    FollowUp,
    Interaction,
    Product,
)
from crm_core.services import custom_fields
from crm_core.services.entities import entity_named
from crm_core.services.picklists import resolver

plugin = PluginSpec(
    name="customization",
    title="Customization",
    title_zh="自定义",
    version=__version__,
    description="The core's entities and picklists, and reports by custom field.",
)


@hookimpl
def crm_register_entities(register: Callable[[Entity], None]) -> None:
    register(Entity("customers", Customer, "Customers", "客户", changed_column="updated_at"))
    register(Entity("contacts", Contact, "Contacts", "联系人"))
    register(Entity("interactions", Interaction, "Interactions", "联系记录", label_column=None))
    register(Entity("products", Product, "Products", "产品", shared=True))
    register(Entity("follow-ups", FollowUp, "Follow-ups", "待办跟进", label_column="text"))


@hookimpl
def crm_register_picklists(register: Callable[[Picklist], None]) -> None:
    register(
        Picklist(
            "customer_kind",
            "Customer kinds",
            "客户类型",
            (("customers", "kind"),),
            tuple(
                Choice(code, code.capitalize(), i18n.CORE.translate("zh", code)) for code in KINDS
            ),
            fixed=True,
        )
    )
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


@hookimpl
def crm_register_reports(register: Callable[[Report], None]) -> None:
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
