"""The core's rollups (see crm_core.features.rollups): interactions per local day, customers counted
by level, industry, region and month of creation (also per team), and each customer's newest
interaction.

Each rollup is narrow on purpose: a report reads the smallest one that has its dimensions, and
a million customers fall into a few thousand (owner, kind, level) rows but into nearly a
million rows of every attribute at once. Each model is `OwnerScoped` by the customer's owner,
so the visibility policy filters a rollup exactly as it filters the customers behind it; a
table per team is `TeamScoped`, read only for readers who see whole teams. The tables carry
no foreign keys: they are derived data, rebuilt whenever their SQL changes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.foundation.types import UTCDateTime
from crm_core.hooks.rollups import MonthlyDays, Newest, Rollup, RollupBase, Sql, TeamTotals
from crm_core.hooks.scoping import CustomerScoped, OwnerScoped, TeamScoped


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


class InteractionsByMonth(OwnerScoped, RollupBase):
    """`InteractionsByDay` per month: interactions per local month, customer owner and the
    person who logged them, and `days`, a bit per day of the month with one at least (bit 0
    the 1st): a person's active days over years, a row per month (decision 0027)."""

    __tablename__ = "rollup_interactions_by_month"
    #: Covering: a window of months, everyone's or a reader's owners.
    __table_args__ = (
        Index(
            "rollup_interactions_by_month_month",
            "month",
            "owner_id",
            "user_id",
            "interactions",
            "days",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    owner_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(Integer)
    interactions: Mapped[int] = mapped_column(Integer)
    days: Mapped[int] = mapped_column(Integer)


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
    __table_args__ = (
        # Covering, month first: a top manager's year is 90,000 (owner, month, level) rows, read
        # from this index alone in the order they are grouped; the key's
        # owner-first order serves a salesperson.
        Index("rollup_customers_by_month_month", "month", "level", "owner_id", "customers"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(Integer)
    month: Mapped[str] = mapped_column(String(7))
    level: Mapped[str] = mapped_column(String(32))
    customers: Mapped[int] = mapped_column(Integer)


class TeamCustomersByMonth(TeamScoped, RollupBase):
    """`CustomersByMonth` per the owner's team: a manager's year is a row per team, month and
    level (9,700 rows for a top manager of 2,000 people, instead of 183,553; decision 0025)."""

    __tablename__ = "rollup_team_customers_by_month"
    __table_args__ = (
        Index(
            "rollup_team_customers_by_month_month",
            "month",
            "level",
            "owner_team_id",
            "shared",
            "customers",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    level: Mapped[str] = mapped_column(String(32))
    customers: Mapped[int] = mapped_column(Integer)


class TeamInteractionsByDay(TeamScoped, RollupBase):
    """`InteractionsByDay` per the customer owner's team and the team of the person who
    logged: a manager's interactions per day (decision 0025)."""

    __tablename__ = "rollup_team_interactions_by_day"
    #: Covering, both ways: everyone's fortnight by day; a manager's (`logged_by=team`) team by
    #: team, a range each (day first, each of a top manager's 103 teams would scan the
    #: fortnight of every team).
    __table_args__ = (
        Index(
            "rollup_team_interactions_by_day_day",
            "day",
            "user_team_id",
            "owner_team_id",
            "shared",
            "interactions",
        ),
        Index(
            "rollup_team_interactions_by_day_team",
            "user_team_id",
            "day",
            "owner_team_id",
            "shared",
            "interactions",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[str] = mapped_column(String(10))
    user_team_id: Mapped[int | None] = mapped_column(Integer)
    interactions: Mapped[int] = mapped_column(Integer)


class TeamCustomersByLevel(TeamScoped, RollupBase):
    """`CustomersByLevel` per the owner's team: customers by kind, level or team for admins
    and managers (decision 0025)."""

    __tablename__ = "rollup_team_customers_by_level"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(32))
    customers: Mapped[int] = mapped_column(Integer)


class NewestInteraction(CustomerScoped, RollupBase):
    """Each customer's newest interaction (by time, then as entered) and the next contact it
    planned: the follow-up that is due, without walking every superseded interaction. The
    customer's owner is copied in, so that a team's follow-ups are an index range."""

    __tablename__ = "rollup_newest_interaction"
    __table_args__ = (
        Index(
            "rollup_newest_interaction_due",
            "due_on",
            "source_id",
            sqlite_where=text("due_on IS NOT NULL"),
            postgresql_where=text("due_on IS NOT NULL"),
        ),
        Index(
            "rollup_newest_interaction_owner_due",
            "owner_id",
            "due_on",
            "source_id",
            sqlite_where=text("due_on IS NOT NULL"),
            postgresql_where=text("due_on IS NOT NULL"),
        ),
    )

    customer_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source_id: Mapped[int] = mapped_column(Integer)
    moment: Mapped[datetime] = mapped_column(UTCDateTime)
    due_on: Mapped[date | None] = mapped_column(Date)
    #: The customer's owner (None: the shared pool), kept as the customer changes hands.
    owner_id: Mapped[int | None] = mapped_column(Integer)


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

INTERACTIONS_BY_MONTH = MonthlyDays(InteractionsByMonth, of=INTERACTIONS_BY_DAY)
TEAM_CUSTOMERS_BY_MONTH = TeamTotals(TeamCustomersByMonth, of=CUSTOMERS_BY_MONTH)
TEAM_CUSTOMERS_BY_LEVEL = TeamTotals(TeamCustomersByLevel, of=CUSTOMERS_BY_LEVEL)
TEAM_INTERACTIONS_BY_DAY = TeamTotals(
    TeamInteractionsByDay, of=INTERACTIONS_BY_DAY, people={"user_id": "user_team_id"}
)

NEWEST_INTERACTION = Newest(
    NewestInteraction,
    source="crm_interaction",
    copies={"due_on": "next_contact_on"},
    customer_copies={"owner_id": "owner_id"},
)

CORE_ROLLUPS: tuple[Rollup | Newest | TeamTotals | MonthlyDays, ...] = (
    INTERACTIONS_BY_DAY,
    INTERACTIONS_BY_MONTH,
    NEWEST_INTERACTION,
    CUSTOMERS_BY_LEVEL,
    CUSTOMERS_BY_INDUSTRY,
    CUSTOMERS_BY_REGION,
    CUSTOMERS_BY_MONTH,
    TEAM_CUSTOMERS_BY_MONTH,
    TEAM_CUSTOMERS_BY_LEVEL,
    TEAM_INTERACTIONS_BY_DAY,
)
