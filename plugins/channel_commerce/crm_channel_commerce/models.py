"""The channel_commerce tables (prefix cc_).

Invariants are kept by the services with conditional UPDATEs (`... WHERE on_hand - reserved >= :qty`,
`... WHERE credit_used + :amount <= credit_limit`), and CHECK constraints stand behind them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.contract.tables import (
    Base,
    CustomerScoped,
    Money,
    UTCDateTime,
    key_text,
    plugin_table,
    utcnow,
)

PLUGIN = "channel_commerce"
MOVE_KINDS = ("receipt", "shipment", "adjustment", "return")
ORDER_STATUSES = ("draft", "confirmed", "shipped", "paid", "cancelled")
PERIOD_KINDS = ("month", "quarter", "year")


class Dealer(CustomerScoped, Base):
    """A dealer or agent (a customer of kind agent) with its level, region, contract and credit."""

    __tablename__ = "cc_dealer"
    __table_args__ = plugin_table(
        PLUGIN,
        CheckConstraint("credit_limit >= 0", name="credit_limit"),
        CheckConstraint("credit_used >= 0", name="credit_used"),
    )

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("crm_customer.id", ondelete="CASCADE"), primary_key=True
    )
    level: Mapped[str] = mapped_column(String(32))
    region: Mapped[str | None] = mapped_column(String(64), index=True)
    contract_start: Mapped[date | None] = mapped_column(Date)
    contract_end: Mapped[date | None] = mapped_column(Date)
    credit_limit: Mapped[Decimal] = mapped_column(Money)
    #: Open credit: confirmed, not yet paid order amounts.
    credit_used: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    sales_rep_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id"), index=True)


class Warehouse(Base):
    __tablename__ = "cc_warehouse"
    __table_args__ = plugin_table(PLUGIN)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(64))


class Stock(Base):
    """On-hand and reserved quantity per warehouse and product; on_hand is the ledger's sum."""

    __tablename__ = "cc_stock"
    __table_args__ = plugin_table(
        PLUGIN,
        CheckConstraint("on_hand >= 0", name="on_hand"),
        CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="reserved"),
    )
    __crm_audit__ = False  # every change is a ledger row (cc_stock_move), which is audited

    warehouse_id: Mapped[int] = mapped_column(ForeignKey("cc_warehouse.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("crm_product.id"), primary_key=True)
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)


class StockMove(Base):
    """The stock ledger: every receipt, shipment, adjustment and return (signed quantity)."""

    __tablename__ = "cc_stock_move"
    __table_args__ = plugin_table(
        PLUGIN,
        CheckConstraint("kind in ('receipt', 'shipment', 'adjustment', 'return')", name="kind"),
        CheckConstraint("quantity <> 0", name="quantity"),
        Index("ix_cc_stock_move_item", "warehouse_id", "product_id"),
        Index("ix_cc_stock_move_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("cc_warehouse.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("crm_product.id"))
    kind: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[int] = mapped_column(Integer)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("cc_order.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DealerOrder(CustomerScoped, Base):
    __tablename__ = "cc_order"
    __table_args__ = plugin_table(
        PLUGIN,
        CheckConstraint(
            "status in ('draft', 'confirmed', 'shipped', 'paid', 'cancelled')", name="status"
        ),
        CheckConstraint("total >= 0 AND paid >= 0 AND paid <= total", name="amounts"),
        Index("ix_cc_order_status_due", "status", "due_on"),
        Index("ix_cc_order_ordered_on", "ordered_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Ordered by code point, so that the next number is an index range away (crm_core.foundation.numbering).
    number: Mapped[str] = mapped_column(key_text(32), unique=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("cc_warehouse.id"))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    total: Mapped[Decimal] = mapped_column(Money)
    paid: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    ordered_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id"))


class DealerOrderLine(CustomerScoped, Base):
    __tablename__ = "cc_order_line"
    __table_args__ = plugin_table(PLUGIN, CheckConstraint("quantity > 0", name="quantity"))

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("cc_order.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("crm_product.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    price: Mapped[Decimal] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)


class DealerPayment(CustomerScoped, Base):
    __tablename__ = "cc_payment"
    __table_args__ = plugin_table(PLUGIN, CheckConstraint("amount > 0", name="amount"))

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("cc_order.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    received_on: Mapped[date] = mapped_column(Date, index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id"))


class CreditOverride(CustomerScoped, Base):
    """A confirmation let past the credit limit by a credit controller, with the figures."""

    __tablename__ = "cc_credit_override"
    __table_args__ = plugin_table(PLUGIN)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("cc_order.id"))
    credit_limit: Mapped[Decimal] = mapped_column(Money)
    credit_used_before: Mapped[Decimal] = mapped_column(Money)
    order_total: Mapped[Decimal] = mapped_column(Money)
    by_id: Mapped[int] = mapped_column(ForeignKey("crm_user.id"))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SalesPlan(Base):
    """A target for one period: for a dealer (optionally one product line), or a whole region."""

    __tablename__ = "cc_plan"
    __table_args__ = plugin_table(
        PLUGIN,
        UniqueConstraint("customer_id", "region", "product_line", "period"),
        CheckConstraint("period_kind in ('month', 'quarter', 'year')", name="period_kind"),
        CheckConstraint("target >= 0", name="target"),
        CheckConstraint("customer_id IS NOT NULL OR region IS NOT NULL", name="scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("crm_customer.id", ondelete="CASCADE"), index=True
    )
    region: Mapped[str | None] = mapped_column(String(64))
    product_line: Mapped[str | None] = mapped_column(String(100))
    period_kind: Mapped[str] = mapped_column(String(8))
    #: "2026-11", "2026-Q4" or "2026".
    period: Mapped[str] = mapped_column(String(8), index=True)
    target: Mapped[Decimal] = mapped_column(Money)


class Material(Base):
    """Marketing materials (营销物品): posters, samples, displays, kept in stock and issued to dealers."""

    __tablename__ = "cc_material"
    __table_args__ = plugin_table(PLUGIN, CheckConstraint("on_hand >= 0", name="on_hand"))

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    on_hand: Mapped[int] = mapped_column(Integer, default=0)


class MaterialIssue(CustomerScoped, Base):
    __tablename__ = "cc_material_issue"
    __table_args__ = plugin_table(PLUGIN, CheckConstraint("quantity > 0", name="quantity"))

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("cc_material.id"), index=True)
    campaign: Mapped[str | None] = mapped_column(String(100), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    issued_on: Mapped[date] = mapped_column(Date)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id"))
