"""The core's rollups: interactions per local day and customers per segment (crm_core.rollups).

Each model is `OwnerScoped` by the customer's owner, so the visibility policy filters a rollup
exactly as it filters the customers behind it. The tables carry no foreign keys: they are
derived data, rebuilt from their source whenever their SQL changes.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.models.scoping import OwnerScoped
from crm_core.rollups import Rollup, RollupBase, Sql


class InteractionsByDay(OwnerScoped, RollupBase):
    """Interactions per local day, customer owner and the salesperson who logged them."""

    __tablename__ = "rollup_interactions_by_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[str] = mapped_column(String(10))
    owner_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(Integer)
    interactions: Mapped[int] = mapped_column(Integer)


class CustomersBySegment(OwnerScoped, RollupBase):
    """Customers per owner, kind, level, industry, region and local month of creation."""

    __tablename__ = "rollup_customers_by_segment"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(32))
    industry: Mapped[str | None] = mapped_column(String(64))
    region: Mapped[str | None] = mapped_column(String(64))
    month: Mapped[str] = mapped_column(String(7))
    customers: Mapped[int] = mapped_column(Integer)


INTERACTIONS_BY_DAY = Rollup(
    InteractionsByDay,
    source="crm_interaction",
    keys={
        "day": lambda q: q.local_day(f"{q.r}.occurred_at"),
        "owner_id": lambda q: f"{q.c}.owner_id",
        "user_id": lambda q: f"{q.r}.user_id",
    },
    measures={"interactions": lambda q: "1"},
    source_columns=("occurred_at", "user_id", "customer_id"),
)

_SEGMENT = ("owner_id", "kind", "level", "industry", "region")


def _customer_column(name: str) -> Callable[[Sql], str]:
    return lambda q: f"{q.c}.{name}"


CUSTOMERS_BY_SEGMENT = Rollup(
    CustomersBySegment,
    source="crm_customer",
    keys={
        **{name: _customer_column(name) for name in _SEGMENT},
        "month": lambda q: q.local_month(f"{q.c}.created_at"),
    },
    measures={"customers": lambda q: "1"},
    source_columns=("created_at",),
    customer_columns=_SEGMENT,
)

CORE_ROLLUPS = (INTERACTIONS_BY_DAY, CUSTOMERS_BY_SEGMENT)
