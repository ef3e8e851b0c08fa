"""Rollout indicators of the customer-resources block: what the sales department sells."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from crm_core.context import Context
from crm_core.services.indicators import Indicator
from crm_customer_resources.models import Order


def sales_30d(ctx: Context, day: date) -> Decimal:
    """Ordered amount (cancelled orders left out) in the 30 days up to `day`."""
    total = ctx.session.scalar(
        select(func.sum(Order.total)).where(
            Order.ordered_on > day - timedelta(days=30),
            Order.ordered_on <= day,
            Order.status != "cancelled",
        )
    )
    return Decimal(str(total or 0))


def register_all(register: Callable[[Indicator], None]) -> None:
    register(
        Indicator(
            "sales-30d",
            "Sales in the last 30 days",
            sales_30d,
            unit="amount",
            title_zh="近30天销售额",
        )
    )
