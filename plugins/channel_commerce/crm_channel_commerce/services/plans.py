"""Sales plans: targets per dealer (optionally per product line) or per region, for a month, quarter
or year; achievement is computed from orders (confirmed, shipped or paid) in the period."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from crm_channel_commerce.models import SalesPlan
from crm_channel_commerce.services import dealers
from crm_core.contract import Context, PermissionDenied, ValidationError
from crm_core.contract.products import parse_amount

PERIOD = re.compile(r"^(\d{4})(?:-(\d{2})|-Q([1-4]))?$")


def parse_period(text: str) -> tuple[str, date, date]:
    """("month"|"quarter"|"year", first day, last day) for "2026-11", "2026-Q4" or "2026"."""
    match = PERIOD.match(text.strip())
    if not match:
        raise ValidationError(f"period {text!r} is not YYYY, YYYY-MM or YYYY-Qn")
    year = int(match.group(1))
    if match.group(2):
        month = int(match.group(2))
        if not 1 <= month <= 12:
            raise ValidationError(f"period {text!r}: no month {month}")
        start = date(year, month, 1)
        end = date(year + (month == 12), month % 12 + 1, 1)
        return "month", start, date.fromordinal(end.toordinal() - 1)
    if match.group(3):
        quarter = int(match.group(3))
        start = date(year, 3 * quarter - 2, 1)
        end = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
        return "quarter", start, date.fromordinal(end.toordinal() - 1)
    return "year", date(year, 1, 1), date(year, 12, 31)


def set_target(
    ctx: Context,
    period: str,
    target: str | Decimal,
    *,
    dealer_ref: str | None = None,
    region: str | None = None,
    product_line: str | None = None,
) -> SalesPlan:
    if not (ctx.actor.is_admin or ctx.actor.role == "manager"):
        raise PermissionDenied("only a manager or admin may set sales plans")
    if (dealer_ref is None) == (region is None):
        raise ValidationError("a plan is for a dealer or for a region")
    kind, _, _ = parse_period(period)
    amount = parse_amount(target, "target")
    customer_id = dealers.get(ctx, dealer_ref).customer_id if dealer_ref else None
    plan = ctx.session.scalar(
        select(SalesPlan).where(
            SalesPlan.customer_id.is_(None)
            if customer_id is None
            else SalesPlan.customer_id == customer_id,
            SalesPlan.region.is_(None) if region is None else SalesPlan.region == region,
            SalesPlan.product_line.is_(None)
            if product_line is None
            else SalesPlan.product_line == product_line,
            SalesPlan.period == period.strip(),
        )
    )
    if plan is None:
        plan = SalesPlan(
            customer_id=customer_id,
            region=region,
            product_line=product_line,
            period_kind=kind,
            period=period.strip(),
            target=amount,
        )
        ctx.session.add(plan)
    else:
        plan.target = amount
    ctx.session.flush()
    return plan
