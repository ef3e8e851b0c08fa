"""Export of any entity (`crm_register_entities`) that has no importer of its own: orders,
projects, dealer orders, cases ... in their model's columns, with the customer's name, read in
keyset pages through the session, so the visibility policy filters every page."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from crm_core.foundation import i18n
from crm_core.foundation.errors import ValidationError
from crm_core.hooks.context import Context
from crm_core.hooks.entities import Entity
from crm_core.hooks.importers import Column, Importer, ImportRow
from crm_core.kernel.models import Customer
from crm_core.services.common import capped_count

#: Rows read per page.
PAGE = 1_000
#: The column beside `customer_id` that names the customer.
CUSTOMER = "customer"


def _local(ctx: Context, value: Any) -> Any:
    """A moment in the deployment's time zone, as a spreadsheet shows it; other values as they are."""
    if isinstance(value, datetime):
        return ctx.local(value).replace(tzinfo=None)
    return value


def entity_exporter(entity: Entity) -> Importer:
    """An export-only importer for `entity`: every mapped column, and its customer's name."""
    names = entity.column_names()
    has_customer = "customer_id" in names
    headers = [*names, CUSTOMER] if has_customer else names
    model = entity.model
    selected = [getattr(model, name) for name in names]

    def query(after: int) -> Any:
        statement = select(*selected, *([Customer.name] if has_customer else []))
        statement = statement.select_from(model)
        if has_customer:
            statement = statement.outerjoin(Customer, Customer.id == model.customer_id)
        return statement.where(model.id > after).order_by(model.id).limit(PAGE)

    def export(ctx: Context, _filters: Mapping[str, str]) -> Iterator[Mapping[str, Any]]:
        after = 0
        while rows := ctx.session.execute(query(after)).all():
            for row in rows:
                yield {name: _local(ctx, value) for name, value in zip(headers, row, strict=True)}
            after = int(rows[-1][names.index("id")])

    def count(ctx: Context, _filters: Mapping[str, str], cap: int) -> int:
        return capped_count(ctx, select(model.id), cap)

    def insert(ctx: Context, rows: list[ImportRow]) -> Sequence[int]:
        raise ValidationError(i18n._("{entity} cannot be imported.", entity=entity.name))

    return Importer(
        entity=entity.name,
        title=entity.display_title,
        columns=tuple(Column(name) for name in headers),
        insert=insert,
        export=export,
        export_count=count,
    )
