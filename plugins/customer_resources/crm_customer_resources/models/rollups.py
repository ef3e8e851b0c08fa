"""Sales per month, customer owner and salesperson, alone or with the customer's industry or
region, and per product; new customers per month by industry, region or grade; receipts per
month by salesperson, industry or region; and what is owed per due day (see crm_core.features.rollups).

Cancelled orders are left out, as in the `sales` report. A customer's owner, industry and
region are read from the customer now: when it changes hands or is re-classified its orders
move with it, exactly as the report over the orders counts them. The `sales` report reads the
smallest rollup that has its dimensions (month and salesperson alone: a few tens of thousands
of rows for a million orders).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.contract.rollups import Parent, Rollup, RollupBase, Sql, TeamTotals
from crm_core.contract.tables import Money, OwnerScoped, TeamScoped


class SalesBySeller(OwnerScoped, RollupBase):
    __tablename__ = "rollup_cr_sales_by_seller"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    owner_id: Mapped[int | None] = mapped_column(Integer)
    salesperson_id: Mapped[int | None] = mapped_column(Integer)
    orders: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)


class SalesByIndustry(OwnerScoped, RollupBase):
    __tablename__ = "rollup_cr_sales_by_industry"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    owner_id: Mapped[int | None] = mapped_column(Integer)
    salesperson_id: Mapped[int | None] = mapped_column(Integer)
    industry: Mapped[str | None] = mapped_column(String(64))
    orders: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)


class SalesByRegion(OwnerScoped, RollupBase):
    __tablename__ = "rollup_cr_sales_by_region"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    owner_id: Mapped[int | None] = mapped_column(Integer)
    salesperson_id: Mapped[int | None] = mapped_column(Integer)
    region: Mapped[str | None] = mapped_column(String(64))
    orders: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)


def _sales(model: type[RollupBase], attribute: str | None) -> Rollup:
    """Non-cancelled orders per month, customer owner, salesperson and a customer attribute."""
    extra = {attribute: lambda q: f"{q.c}.{attribute}"} if attribute else {}
    return Rollup(
        model,
        source="cr_order",
        keys={
            "month": lambda q: q.date_month(f"{q.r}.ordered_on"),
            "owner_id": lambda q: f"{q.c}.owner_id",
            "salesperson_id": lambda q: f"{q.r}.owner_id",
            **extra,
        },
        measures={"orders": lambda q: "1", "amount": lambda q: f"{q.r}.total"},
        where=lambda q: f"{q.r}.status <> 'cancelled'",
        source_columns=("ordered_on", "owner_id", "status", "total", "customer_id"),
        customer_columns=("owner_id", attribute) if attribute else ("owner_id",),
    )


SALES_BY_SELLER = _sales(SalesBySeller, None)
SALES_BY_INDUSTRY = _sales(SalesByIndustry, "industry")
SALES_BY_REGION = _sales(SalesByRegion, "region")


class TeamSalesBySeller(TeamScoped, RollupBase):
    """`SalesBySeller` per the customer owner's team and the salesperson's team: the sales
    by month (a manager's dashboard tile) or team, for admins and managers (decision 0025)."""

    __tablename__ = "rollup_cr_team_sales_by_seller"
    __table_args__ = (
        Index(
            "rollup_cr_team_sales_by_seller_month",
            "month",
            "salesperson_team_id",
            "owner_team_id",
            "shared",
            "orders",
            "amount",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    salesperson_team_id: Mapped[int | None] = mapped_column(Integer)
    orders: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)


class TeamSalesByIndustry(TeamScoped, RollupBase):
    """`SalesByIndustry` per the customer owner's team and the salesperson's team: a manager's
    sales by month, team and industry read a row per team, not per person."""

    __tablename__ = "rollup_cr_team_sales_by_industry"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    salesperson_team_id: Mapped[int | None] = mapped_column(Integer)
    industry: Mapped[str | None] = mapped_column(String(64))
    orders: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)


class TeamSalesByRegion(TeamScoped, RollupBase):
    """`SalesByRegion` per the customer owner's team and the salesperson's team."""

    __tablename__ = "rollup_cr_team_sales_by_region"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    salesperson_team_id: Mapped[int | None] = mapped_column(Integer)
    region: Mapped[str | None] = mapped_column(String(64))
    orders: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)


_SELLER_TEAM = {"salesperson_id": "salesperson_team_id"}
TEAM_SALES_BY_SELLER = TeamTotals(TeamSalesBySeller, of=SALES_BY_SELLER, people=_SELLER_TEAM)
TEAM_SALES_BY_INDUSTRY = TeamTotals(TeamSalesByIndustry, of=SALES_BY_INDUSTRY, people=_SELLER_TEAM)
TEAM_SALES_BY_REGION = TeamTotals(TeamSalesByRegion, of=SALES_BY_REGION, people=_SELLER_TEAM)
#: Each rollup with the report dimensions it can answer, smallest first.
SALES_ROLLUPS = (
    (SALES_BY_SELLER, SalesBySeller, {"month", "salesperson", "team"}),
    (SALES_BY_INDUSTRY, SalesByIndustry, {"month", "salesperson", "team", "industry"}),
    (SALES_BY_REGION, SalesByRegion, {"month", "salesperson", "team", "region"}),
)
#: The same per team, for admins and managers (registered after the rollups they total).
TEAM_SALES_ROLLUPS = (
    (TEAM_SALES_BY_SELLER, TeamSalesBySeller, {"month", "team"}),
    (TEAM_SALES_BY_INDUSTRY, TeamSalesByIndustry, {"month", "team", "industry"}),
    (TEAM_SALES_BY_REGION, TeamSalesByRegion, {"month", "team", "region"}),
)


class SalesByProduct(OwnerScoped, RollupBase):
    """Order lines per month ordered, customer owner and product (cancelled orders left out):
    `sales -p by=product` without joining every line to its order."""

    __tablename__ = "rollup_cr_sales_by_product"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    owner_id: Mapped[int | None] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(Integer)
    lines: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)


SALES_BY_PRODUCT = Rollup(
    SalesByProduct,
    source="cr_order_line",
    keys={
        "month": lambda q: q.date_month(f"{q.p}.ordered_on"),
        "owner_id": lambda q: f"{q.c}.owner_id",
        "product_id": lambda q: f"{q.r}.product_id",
    },
    measures={
        "lines": lambda q: "1",
        "quantity": lambda q: f"{q.r}.quantity",
        "amount": lambda q: f"{q.r}.amount",
    },
    where=lambda q: f"{q.p}.status <> 'cancelled'",
    source_columns=("product_id", "quantity", "amount", "order_id", "customer_id"),
    parent=Parent("cr_order", "order_id", ("ordered_on", "status")),
)


class TeamSalesByProduct(TeamScoped, RollupBase):
    """`SalesByProduct` per the customer owner's team, for admins and managers (decision
    0025)."""

    __tablename__ = "rollup_cr_team_sales_by_product"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    product_id: Mapped[int] = mapped_column(Integer)
    lines: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)


TEAM_SALES_BY_PRODUCT = TeamTotals(TeamSalesByProduct, of=SALES_BY_PRODUCT)


class NewCustomersByIndustry(OwnerScoped, RollupBase):
    """Customers per owner, local month of creation and industry: new customers by month and
    industry (`customer-development`) without reading every customer."""

    __tablename__ = "rollup_cr_new_customers_by_industry"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(Integer)
    month: Mapped[str] = mapped_column(String(7))
    industry: Mapped[str | None] = mapped_column(String(64))
    customers: Mapped[int] = mapped_column(Integer)


class NewCustomersByRegion(OwnerScoped, RollupBase):
    """Customers per owner, local month of creation and region."""

    __tablename__ = "rollup_cr_new_customers_by_region"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(Integer)
    month: Mapped[str] = mapped_column(String(7))
    region: Mapped[str | None] = mapped_column(String(64))
    customers: Mapped[int] = mapped_column(Integer)


def _new_customers(model: type[RollupBase], attribute: str) -> Rollup:
    """Customers per owner, local month of creation and a customer attribute."""
    return Rollup(
        model,
        source="crm_customer",
        keys={
            "owner_id": lambda q: f"{q.c}.owner_id",
            "month": lambda q: q.local_month(f"{q.c}.created_at"),
            attribute: lambda q: f"{q.c}.{attribute}",
        },
        measures={"customers": lambda q: "1"},
        source_columns=("created_at",),
        customer_columns=("owner_id", attribute),
    )


NEW_CUSTOMERS_BY_INDUSTRY = _new_customers(NewCustomersByIndustry, "industry")
NEW_CUSTOMERS_BY_REGION = _new_customers(NewCustomersByRegion, "region")


class TeamNewCustomersByIndustry(TeamScoped, RollupBase):
    """`NewCustomersByIndustry` per the owner's team, for admins and managers (decision
    0025): a top manager's months and industries are a row per team, not per person."""

    __tablename__ = "rollup_cr_team_new_customers_by_industry"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    industry: Mapped[str | None] = mapped_column(String(64))
    customers: Mapped[int] = mapped_column(Integer)


class TeamNewCustomersByRegion(TeamScoped, RollupBase):
    """`NewCustomersByRegion` per the owner's team."""

    __tablename__ = "rollup_cr_team_new_customers_by_region"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    region: Mapped[str | None] = mapped_column(String(64))
    customers: Mapped[int] = mapped_column(Integer)


TEAM_NEW_CUSTOMERS_BY_INDUSTRY = TeamTotals(
    TeamNewCustomersByIndustry, of=NEW_CUSTOMERS_BY_INDUSTRY
)
TEAM_NEW_CUSTOMERS_BY_REGION = TeamTotals(TeamNewCustomersByRegion, of=NEW_CUSTOMERS_BY_REGION)


class ProfilesByGrade(OwnerScoped, RollupBase):
    """Customer profiles per owner, local month of the customer's creation and grade (the
    override if set): new customers by month and grade. A customer without a profile is in
    the core's customers by month and not here, so their difference is the rest of the
    ungraded (`customer-development`)."""

    __tablename__ = "rollup_cr_profiles_by_grade"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(Integer)
    month: Mapped[str] = mapped_column(String(7))
    grade: Mapped[int | None] = mapped_column(Integer)
    customers: Mapped[int] = mapped_column(Integer)


#: Profiles are keyed by their customer: grading updates them, and the customer's month and
#: owner are read from the customer.
PROFILES_BY_GRADE = Rollup(
    ProfilesByGrade,
    source="cr_customer_profile",
    key="customer_id",
    keys={
        "owner_id": lambda q: f"{q.c}.owner_id",
        "month": lambda q: q.local_month(f"{q.c}.created_at"),
        "grade": lambda q: f"coalesce({q.r}.grade_override, {q.r}.grade)",
    },
    measures={"customers": lambda q: "1"},
    source_columns=("grade", "grade_override", "customer_id"),
    customer_columns=("owner_id", "created_at"),
)


class TeamProfilesByGrade(TeamScoped, RollupBase):
    """`ProfilesByGrade` per the owner's team, for admins and managers (decision 0025)."""

    __tablename__ = "rollup_cr_team_profiles_by_grade"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    grade: Mapped[int | None] = mapped_column(Integer)
    customers: Mapped[int] = mapped_column(Integer)


TEAM_PROFILES_BY_GRADE = TeamTotals(TeamProfilesByGrade, of=PROFILES_BY_GRADE)
#: Each attribute's rollup and its totals per team (registered after it).
NEW_CUSTOMERS_ROLLUPS = (
    (NEW_CUSTOMERS_BY_INDUSTRY, TEAM_NEW_CUSTOMERS_BY_INDUSTRY),
    (NEW_CUSTOMERS_BY_REGION, TEAM_NEW_CUSTOMERS_BY_REGION),
    (PROFILES_BY_GRADE, TEAM_PROFILES_BY_GRADE),
)


class ReceiptsBySeller(OwnerScoped, RollupBase):
    """Payments received per month, customer owner and the salesperson of their order: the
    `receipts` report by month, salesperson or team over whole months."""

    __tablename__ = "rollup_cr_receipts_by_seller"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    owner_id: Mapped[int | None] = mapped_column(Integer)
    salesperson_id: Mapped[int | None] = mapped_column(Integer)
    payments: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)


RECEIPTS_BY_SELLER = Rollup(
    ReceiptsBySeller,
    source="cr_payment",
    keys={
        "month": lambda q: q.date_month(f"{q.r}.received_on"),
        "owner_id": lambda q: f"{q.c}.owner_id",
        "salesperson_id": lambda q: f"{q.p}.owner_id",
    },
    measures={"payments": lambda q: "1", "amount": lambda q: f"{q.r}.amount"},
    source_columns=("received_on", "amount", "order_id", "customer_id"),
    parent=Parent("cr_order", "order_id", ("owner_id",)),
)


class ReceiptsByIndustry(OwnerScoped, RollupBase):
    """Payments received per month, customer owner and the customer's industry."""

    __tablename__ = "rollup_cr_receipts_by_industry"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    owner_id: Mapped[int | None] = mapped_column(Integer)
    industry: Mapped[str | None] = mapped_column(String(64))
    payments: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)


class ReceiptsByRegion(OwnerScoped, RollupBase):
    """Payments received per month, customer owner and the customer's region."""

    __tablename__ = "rollup_cr_receipts_by_region"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    owner_id: Mapped[int | None] = mapped_column(Integer)
    region: Mapped[str | None] = mapped_column(String(64))
    payments: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)


def _receipts_by_customer(model: type[RollupBase], attribute: str) -> Rollup:
    """Payments per month, customer owner and a customer attribute (no order to read)."""
    return Rollup(
        model,
        source="cr_payment",
        keys={
            "month": lambda q: q.date_month(f"{q.r}.received_on"),
            "owner_id": lambda q: f"{q.c}.owner_id",
            attribute: lambda q: f"{q.c}.{attribute}",
        },
        measures={"payments": lambda q: "1", "amount": lambda q: f"{q.r}.amount"},
        source_columns=("received_on", "amount", "customer_id"),
        customer_columns=("owner_id", attribute),
    )


RECEIPTS_BY_INDUSTRY = _receipts_by_customer(ReceiptsByIndustry, "industry")
RECEIPTS_BY_REGION = _receipts_by_customer(ReceiptsByRegion, "region")
#: Each receipts rollup with the report dimension(s) it answers.
RECEIPTS_ROLLUPS = (
    (RECEIPTS_BY_SELLER, ReceiptsBySeller, {"month", "salesperson", "team"}),
    (RECEIPTS_BY_INDUSTRY, ReceiptsByIndustry, {"industry"}),
    (RECEIPTS_BY_REGION, ReceiptsByRegion, {"region"}),
)


class OwedByDueDay(OwnerScoped, RollupBase):
    """What is still owed on installments of orders not cancelled, per due day, customer owner
    and the salesperson of the order: receivables ageing by salesperson reads it."""

    __tablename__ = "rollup_cr_owed_by_due_day"
    #: Ageing by salesperson reads every row: along this index, without a sort.
    __table_args__ = (
        Index(
            "rollup_cr_owed_by_due_day_seller",
            "salesperson_id",
            "due_on",
            "owner_id",
            "installments",
            "owed",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    due_on: Mapped[date] = mapped_column(Date)
    owner_id: Mapped[int | None] = mapped_column(Integer)
    salesperson_id: Mapped[int | None] = mapped_column(Integer)
    installments: Mapped[int] = mapped_column(Integer)
    owed: Mapped[Decimal] = mapped_column(Money)


def _owed(model: type[RollupBase], due: Callable[[Sql], str] | None) -> Rollup:
    """Owed on installments of orders not cancelled, per `due` (a day or a month; None: all
    days together), customer owner and the order's salesperson."""
    keys: dict[str, Callable[[Sql], str]] = {} if due is None else {due.__name__: due}
    return Rollup(
        model,
        source="cr_installment",
        keys={
            **keys,
            "owner_id": lambda q: f"{q.c}.owner_id",
            "salesperson_id": lambda q: f"{q.p}.owner_id",
        },
        measures={"installments": lambda q: "1", "owed": lambda q: f"{q.r}.amount - {q.r}.paid"},
        where=lambda q: f"{q.r}.paid < {q.r}.amount AND {q.p}.status <> 'cancelled'",
        source_columns=("due_on", "amount", "paid", "order_id", "customer_id"),
        parent=Parent("cr_order", "order_id", ("status", "owner_id")),
    )


class OwedByDueMonth(OwnerScoped, RollupBase):
    """The same per due month: the ageing reads whole months that fall into one bucket here,
    and only the months around the bucket edges per day."""

    __tablename__ = "rollup_cr_owed_by_due_month"
    __table_args__ = (
        Index(
            "rollup_cr_owed_by_due_month_seller",
            "salesperson_id",
            "due_month",
            "owner_id",
            "installments",
            "owed",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    due_month: Mapped[str] = mapped_column(String(7))
    owner_id: Mapped[int | None] = mapped_column(Integer)
    salesperson_id: Mapped[int | None] = mapped_column(Integer)
    installments: Mapped[int] = mapped_column(Integer)
    owed: Mapped[Decimal] = mapped_column(Money)


class OwedBySeller(OwnerScoped, RollupBase):
    """The same whatever the due day, per customer owner and salesperson: the ageing's oldest
    bucket is this total less the months from the oldest bucket's edge on, so the months before
    it (most of a long book's) are not read one by one."""

    __tablename__ = "rollup_cr_owed_by_seller"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(Integer)
    salesperson_id: Mapped[int | None] = mapped_column(Integer)
    installments: Mapped[int] = mapped_column(Integer)
    owed: Mapped[Decimal] = mapped_column(Money)


def due_on(q: Sql) -> str:
    return f"{q.r}.due_on"


def due_month(q: Sql) -> str:
    return q.date_month(f"{q.r}.due_on")


OWED_BY_DUE_DAY = _owed(OwedByDueDay, due_on)
OWED_BY_DUE_MONTH = _owed(OwedByDueMonth, due_month)
OWED_BY_SELLER = _owed(OwedBySeller, None)


class TeamOwedByDueDay(TeamScoped, RollupBase):
    """`OwedByDueDay` per the customer owner's team and the salesperson's team: receivables
    ageing by team for managers (decision 0025 in the core)."""

    __tablename__ = "rollup_cr_team_owed_by_due_day"
    __table_args__ = (
        Index(
            "rollup_cr_team_owed_by_due_day_due",
            "due_on",
            "salesperson_team_id",
            "owner_team_id",
            "shared",
            "owed",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    due_on: Mapped[date] = mapped_column(Date)
    salesperson_team_id: Mapped[int | None] = mapped_column(Integer)
    installments: Mapped[int] = mapped_column(Integer)
    owed: Mapped[Decimal] = mapped_column(Money)


class TeamOwedByDueMonth(TeamScoped, RollupBase):
    """`OwedByDueMonth` per the customer owner's team and the salesperson's team."""

    __tablename__ = "rollup_cr_team_owed_by_due_month"
    __table_args__ = (
        Index(
            "rollup_cr_team_owed_by_due_month_due",
            "due_month",
            "salesperson_team_id",
            "owner_team_id",
            "shared",
            "owed",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    due_month: Mapped[str] = mapped_column(String(7))
    salesperson_team_id: Mapped[int | None] = mapped_column(Integer)
    installments: Mapped[int] = mapped_column(Integer)
    owed: Mapped[Decimal] = mapped_column(Money)


class TeamOwedBySeller(TeamScoped, RollupBase):
    """`OwedBySeller` per the customer owner's team and the salesperson's team."""

    __tablename__ = "rollup_cr_team_owed_by_seller"

    id: Mapped[int] = mapped_column(primary_key=True)
    salesperson_team_id: Mapped[int | None] = mapped_column(Integer)
    installments: Mapped[int] = mapped_column(Integer)
    owed: Mapped[Decimal] = mapped_column(Money)


class OwedByCustomer(OwnerScoped, RollupBase):
    """What each customer still owes on installments of orders not cancelled, under its
    owner: receivables ageing by customer, asked for its first rows (the largest debts first),
    reads the debt that bounds them along `owed` here and sums the installments of only the
    customers at or above it, instead of every unpaid installment."""

    __tablename__ = "rollup_cr_owed_by_customer"
    #: Covering, largest debts first: everyone's, or a reader's owners' along the way.
    __table_args__ = (Index("rollup_cr_owed_by_customer_owed", "owed", "owner_id", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer)
    owner_id: Mapped[int | None] = mapped_column(Integer)
    installments: Mapped[int] = mapped_column(Integer)
    owed: Mapped[Decimal] = mapped_column(Money)


OWED_BY_CUSTOMER = Rollup(
    OwedByCustomer,
    source="cr_installment",
    keys={"customer_id": lambda q: f"{q.r}.customer_id", "owner_id": lambda q: f"{q.c}.owner_id"},
    measures={"installments": lambda q: "1", "owed": lambda q: f"{q.r}.amount - {q.r}.paid"},
    where=lambda q: f"{q.r}.paid < {q.r}.amount AND {q.p}.status <> 'cancelled'",
    source_columns=("amount", "paid", "order_id", "customer_id"),
    parent=Parent("cr_order", "order_id", ("status",)),
)


_SELLER_TEAM = {"salesperson_id": "salesperson_team_id"}
TEAM_OWED_BY_DUE_DAY = TeamTotals(TeamOwedByDueDay, of=OWED_BY_DUE_DAY, people=_SELLER_TEAM)
TEAM_OWED_BY_DUE_MONTH = TeamTotals(TeamOwedByDueMonth, of=OWED_BY_DUE_MONTH, people=_SELLER_TEAM)
TEAM_OWED_BY_SELLER = TeamTotals(TeamOwedBySeller, of=OWED_BY_SELLER, people=_SELLER_TEAM)


class UnpaidInstallment(OwnerScoped, RollupBase):
    """Each unpaid installment of an open order, under its customer's owner: a team's dunning
    list reads its people's earliest along (owner, due day) here, instead of every installment
    of their customers or everyone's in due order (thousands of order and customer lookups)."""

    __tablename__ = "rollup_cr_unpaid_installment"
    __table_args__ = (
        Index("rollup_cr_unpaid_installment_owner", "owner_id", "due_on", "installment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    due_on: Mapped[date] = mapped_column(Date)
    owner_id: Mapped[int | None] = mapped_column(Integer)
    installment_id: Mapped[int] = mapped_column(Integer)
    #: Always 1: the row goes when the installment is paid or its order cancelled.
    installments: Mapped[int] = mapped_column(Integer)
    owed: Mapped[Decimal] = mapped_column(Money)


UNPAID_INSTALLMENTS = Rollup(
    UnpaidInstallment,
    source="cr_installment",
    # The key's index walks everyone's in due order without a sort (a large team's list).
    keys={
        "due_on": due_on,
        "installment_id": lambda q: f"{q.r}.id",
        "owner_id": lambda q: f"{q.c}.owner_id",
    },
    measures={"installments": lambda q: "1", "owed": lambda q: f"{q.r}.amount - {q.r}.paid"},
    where=lambda q: f"{q.r}.paid < {q.r}.amount AND {q.p}.status <> 'cancelled'",
    source_columns=("due_on", "amount", "paid", "order_id", "customer_id"),
    parent=Parent("cr_order", "order_id", ("status",)),
)
