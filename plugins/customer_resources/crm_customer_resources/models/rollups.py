"""Sales per month, customer owner, salesperson, industry and region (see crm_core.rollups).

Cancelled orders are left out, as in the `sales` report. A customer's owner, industry and
region are read from the customer now: when it changes hands or is re-classified its orders
move with it, exactly as the report over the orders would count them.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.models import OwnerScoped
from crm_core.rollups import Rollup, RollupBase
from crm_core.types import Money


class SalesByMonth(OwnerScoped, RollupBase):
    __tablename__ = "rollup_cr_sales_by_month"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    owner_id: Mapped[int | None] = mapped_column(Integer)
    salesperson_id: Mapped[int | None] = mapped_column(Integer)
    industry: Mapped[str | None] = mapped_column(String(64))
    region: Mapped[str | None] = mapped_column(String(64))
    orders: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)


SALES_BY_MONTH = Rollup(
    SalesByMonth,
    source="cr_order",
    keys={
        "month": lambda q: q.date_month(f"{q.r}.ordered_on"),
        "owner_id": lambda q: f"{q.c}.owner_id",
        "salesperson_id": lambda q: f"{q.r}.owner_id",
        "industry": lambda q: f"{q.c}.industry",
        "region": lambda q: f"{q.c}.region",
    },
    measures={"orders": lambda q: "1", "amount": lambda q: f"{q.r}.total"},
    where=lambda q: f"{q.r}.status <> 'cancelled'",
    source_columns=("ordered_on", "owner_id", "status", "total", "customer_id"),
    customer_columns=("owner_id", "industry", "region"),
)
