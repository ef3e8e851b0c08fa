"""The core's rollups (see crm_core.rollups): interactions per local day, and customers counted
by level, industry, region and month of creation.

Each rollup is narrow on purpose: a report reads the smallest one that has its dimensions, and
a million customers fall into a few thousand (owner, kind, level) rows but into nearly a
million rows of every attribute at once. Each model is `OwnerScoped` by the customer's owner,
so the visibility policy filters a rollup exactly as it filters the customers behind it. The
tables carry no foreign keys: they are derived data, rebuilt whenever their SQL changes.
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
    #: Distinct customers those interactions were with.
    customers: Mapped[int] = mapped_column(Integer)


class CustomersByLevel(OwnerScoped, RollupBase):
    __tablename__ = "rollup_customers_by_level"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(32))
    customers: Mapped[int] = mapped_column(Integer)


class CustomersByIndustry(OwnerScoped, RollupBase):
    __tablename__ = "rollup_customers_by_industry"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    industry: Mapped[str | None] = mapped_column(String(64))
    customers: Mapped[int] = mapped_column(Integer)


class CustomersByRegion(OwnerScoped, RollupBase):
    __tablename__ = "rollup_customers_by_region"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    region: Mapped[str | None] = mapped_column(String(64))
    customers: Mapped[int] = mapped_column(Integer)


class CustomersByMonth(OwnerScoped, RollupBase):
    """Customers per owner, local month of creation and level (new customers by month)."""

    __tablename__ = "rollup_customers_by_month"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(Integer)
    month: Mapped[str] = mapped_column(String(7))
    level: Mapped[str] = mapped_column(String(32))
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
    distinct_customers="customers",
)


def _column(name: str) -> Callable[[Sql], str]:
    return lambda q: f"{q.c}.{name}"


def _customers(model: type[RollupBase], attributes: tuple[str, ...]) -> Rollup:
    """Customers counted per owner and `attributes` (columns of the customer)."""
    columns = ("owner_id", *attributes)
    return Rollup(
        model,
        source="crm_customer",
        keys={name: _column(name) for name in columns},
        measures={"customers": lambda q: "1"},
        source_columns=(),
        customer_columns=columns,
    )


CUSTOMERS_BY_LEVEL = _customers(CustomersByLevel, ("kind", "level"))
CUSTOMERS_BY_INDUSTRY = _customers(CustomersByIndustry, ("kind", "industry"))
CUSTOMERS_BY_REGION = _customers(CustomersByRegion, ("kind", "region"))
CUSTOMERS_BY_MONTH = Rollup(
    CustomersByMonth,
    source="crm_customer",
    keys={
        "owner_id": _column("owner_id"),
        "month": lambda q: q.local_month(f"{q.c}.created_at"),
        "level": _column("level"),
    },
    measures={"customers": lambda q: "1"},
    source_columns=("created_at",),
    customer_columns=("owner_id", "level"),
)

CORE_ROLLUPS = (
    INTERACTIONS_BY_DAY,
    CUSTOMERS_BY_LEVEL,
    CUSTOMERS_BY_INDUSTRY,
    CUSTOMERS_BY_REGION,
    CUSTOMERS_BY_MONTH,
)
