"""Products and their list prices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from crm_core.foundation import i18n
from crm_core.foundation.errors import DuplicateError, NotFound, ValidationError
from crm_core.foundation.types import to_money
from crm_core.hooks.context import Context
from crm_core.kernel.models import Product
from crm_core.services import trash
from crm_core.services.common import require_role

#: The largest single amount accepted (one trillion): a million of them still sum within the
#: 64-bit cents SQLite stores, and within NUMERIC(18, 2) on PostgreSQL.
MAX_AMOUNT = Decimal("1000000000000.00")


def parse_amount(text: str | Decimal | int, what: str = "amount") -> Decimal:
    """An amount a person entered: a number of at most two places' worth, 0 to MAX_AMOUNT."""
    shown = str(text)[:40]
    try:
        exact = Decimal(text) if not isinstance(text, float) else None
    except (InvalidOperation, TypeError, ValueError):
        exact = None
    if exact is None or not exact.is_finite():
        raise ValidationError(f"{what} {shown!r} is not a number")
    if abs(exact) > MAX_AMOUNT:
        raise ValidationError(f"{what} {shown} is larger than {MAX_AMOUNT:,}")
    amount = to_money(exact)
    if amount < 0:
        raise ValidationError(f"{what} may not be negative")
    return amount


#: The largest quantity of one line: more is a typing mistake, and quantity times price must stay
#: within MAX_AMOUNT.
MAX_QUANTITY = 1_000_000


def parse_quantity(text: str, what: str = "quantity") -> int:
    """A whole number of pieces written in ASCII digits, 1 to MAX_QUANTITY."""
    if not (text.isascii() and text.isdigit()) or int(text) <= 0:
        raise ValidationError(f"{what} {text[:40]!r} must be a positive whole number")
    if int(text) > MAX_QUANTITY:
        raise ValidationError(f"{what} {text[:40]} is larger than {MAX_QUANTITY:,}")
    return int(text)


def within_bounds(amount: Decimal, what: str = "amount") -> Decimal:
    """`amount`, refused when a sum of bounded parts (an order's total) exceeds MAX_AMOUNT."""
    if abs(amount) > MAX_AMOUNT:
        raise ValidationError(f"{what} {amount:,} is larger than {MAX_AMOUNT:,}")
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


#: What a correction may change (the code is the product's key in orders and imports).
EDITABLE = ("name", "price", "unit", "product_line", "active")


def update(ctx: Context, code: str, values: Mapping[str, Any]) -> Product:
    """Correct a product (admins and managers); `active=False` takes it off new orders."""
    require_role(ctx, {"manager"}, "change products")
    product = get(ctx, code)
    for field, value in values.items():
        if field not in EDITABLE:
            raise ValidationError(f"unknown product field {field!r}")
        if field == "price":
            value = parse_amount(value, "price")
        elif field == "name":
            value = str(value).strip()
            if not value:
                raise ValidationError("a product needs a name")
        elif isinstance(value, str):
            value = value.strip() or None
            if field == "unit" and value is None:
                raise ValidationError("a product needs a unit")
        setattr(product, field, value)
    ctx.session.flush()
    ctx.hook.crm_records_changed(
        ctx=ctx, entity="products", ids=[product.id], how="updated", customer_ids=[]
    )
    return product


def delete(ctx: Context, code: str) -> trash.Discarded:
    """Put a product nobody ordered or quoted in the recycle bin; one in use is refused (take it
    off sale with `active=False` instead)."""
    trash.require_deleter(ctx)
    require_role(ctx, {"manager"}, "delete products")
    product = get(ctx, code)
    try:
        return trash.discard(ctx, "products", product, f"{product.code} {product.name}")
    except ValidationError as exc:
        raise ValidationError(
            f"{exc} "
            + i18n._("Take it off sale instead: crm products update {code} --inactive", code=code)
        ) from None


def list_page(
    ctx: Context, *, after_id: int = 0, limit: int = 50, product_line: str | None = None
) -> Sequence[Product]:
    query = select(Product).where(Product.id > after_id).order_by(Product.id).limit(limit)
    if product_line is not None:
        query = query.where(Product.product_line == product_line)
    return list(ctx.session.scalars(query))
