"""Products and their list prices."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from crm_core.foundation.errors import DuplicateError, NotFound, ValidationError
from crm_core.foundation.types import to_money
from crm_core.hooks.context import Context
from crm_core.kernel.models import Product
from crm_core.services.common import require_role


def parse_amount(text: str | Decimal | int, what: str = "amount") -> Decimal:
    try:
        amount = to_money(text)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError(f"{what} {text!r} is not a number") from None
    if amount < 0:
        raise ValidationError(f"{what} may not be negative")
    return amount


def add(
    ctx: Context,
    code: str,
    name: str,
    *,
    price: str | Decimal = "0",
    unit: str = "pcs",
    product_line: str | None = None,
) -> Product:
    require_role(ctx, {"manager"}, "add products")
    code = code.strip()
    if not code or not name.strip():
        raise ValidationError("a product needs a code and a name")
    if ctx.session.scalar(select(Product.id).where(Product.code == code)) is not None:
        raise DuplicateError(f"product {code!r} already exists")
    product = Product(
        code=code,
        name=name.strip(),
        price=parse_amount(price, "price"),
        unit=unit,
        product_line=product_line,
    )
    ctx.session.add(product)
    ctx.session.flush()
    return product


def get(ctx: Context, code: str) -> Product:
    product = ctx.session.scalar(select(Product).where(Product.code == code))
    if product is None:
        raise NotFound(f"no product {code!r}")
    return product


def list_page(
    ctx: Context, *, after_id: int = 0, limit: int = 50, product_line: str | None = None
) -> Sequence[Product]:
    query = select(Product).where(Product.id > after_id).order_by(Product.id).limit(limit)
    if product_line is not None:
        query = query.where(Product.product_line == product_line)
    return list(ctx.session.scalars(query))
