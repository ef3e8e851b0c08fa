"""Products through the API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from crm_core.api.common import KEEP, Keep, Page, check_limit, given, page_of, read_only
from crm_core.hooks.context import Context
from crm_core.kernel.models import Product
from crm_core.services import custom_fields, products
from crm_core.services.trash import Discarded


@attrs.frozen
class NewProduct:
    """A product; `price` is an exact decimal (a Decimal, or text such as "1999.00")."""

    code: str
    name: str
    price: Decimal | str = Decimal("0")
    unit: str = "pcs"
    product_line: str | None = None
    custom: Mapping[str, str | None] = attrs.field(factory=dict, converter=read_only)


@attrs.frozen
class ProductRecord:
    id: int
    code: str
    name: str
    product_line: str | None
    unit: str
    price: Decimal
    active: bool
    created_at: datetime
    custom: Mapping[str, Any] = attrs.field(factory=dict, converter=read_only)


@attrs.frozen
class ProductChanges:
    """Fields left at KEEP are not changed."""

    name: str | Keep = KEEP
    price: str | Decimal | Keep = KEEP
    unit: str | Keep = KEEP
    product_line: str | Keep | None = KEEP
    active: bool | Keep = KEEP


class Products:
    """`desk.products`: what the company sells."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def add(self, new: NewProduct) -> ProductRecord:
        """Add a product (admins and managers)."""
        product = products.add(
            self._ctx,
            new.code,
            new.name,
            price=new.price,
            unit=new.unit,
            product_line=new.product_line,
        )
        custom_fields.write_new(self._ctx, "products", product.id, new.custom)
        return self._records([product])[0]

    def update(self, code: str, changes: ProductChanges) -> ProductRecord:
        """Correct a product (admins and managers); `active=False` takes it off sale."""
        return self._records([products.update(self._ctx, code, given(changes))])[0]

    def delete(self, code: str) -> Discarded:
        """Put a product nobody ordered in the recycle bin; one in use is refused."""
        return products.delete(self._ctx, code)

    def get(self, code: str) -> ProductRecord:
        return self._records([products.get(self._ctx, code)])[0]

    def list(
        self, *, product_line: str | None = None, after: int = 0, limit: int = 50
    ) -> Page[ProductRecord]:
        found = products.list_page(
            self._ctx, after_id=after, limit=check_limit(limit), product_line=product_line
        )
        return page_of(self._records(found), limit, lambda r: r.id)

    def _records(self, rows: Sequence[Product]) -> tuple[ProductRecord, ...]:
        custom = custom_fields.values_for(self._ctx, "products", [p.id for p in rows])
        return tuple(
            ProductRecord(
                id=p.id,
                code=p.code,
                name=p.name,
                product_line=p.product_line,
                unit=p.unit,
                price=p.price,
                active=p.active,
                created_at=p.created_at,
                custom=custom.get(p.id, {}),
            )
            for p in rows
        )
