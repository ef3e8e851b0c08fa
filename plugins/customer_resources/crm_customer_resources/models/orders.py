"""Orders with lines, a payment plan (installments) and payments received.

Every table here is customer-scoped (lines, installments and payments carry the order's customer),
so the visibility policy filters each of them directly, not only through a join.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, text
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

PLUGIN = "customer_resources"
ORDER_STATUSES = ("open", "closed", "cancelled")


class Order(CustomerScoped, Base):
    __tablename__ = "cr_order"
    __table_args__ = plugin_table(
        PLUGIN,
        CheckConstraint("status in ('open', 'closed', 'cancelled')", name="status"),
        CheckConstraint("total >= 0", name="total"),
        Index("ix_cr_order_owner_ordered", "owner_id", "ordered_on"),
        Index("ix_cr_order_ordered_on", "ordered_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Ordered by code point, so that the next number is an index range away (crm_core.foundation.numbering).
    number: Mapped[str] = mapped_column(key_text(32), unique=True)
    #: The salesperson credited with the sale (the customer's owner when ordered).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id"))
    ordered_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    total: Mapped[Decimal] = mapped_column(Money)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OrderLine(CustomerScoped, Base):
    __tablename__ = "cr_order_line"
    __table_args__ = plugin_table(
        PLUGIN,
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("price >= 0", name="price"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("cr_order.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("crm_product.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    price: Mapped[Decimal] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)


class Installment(CustomerScoped, Base):
    __tablename__ = "cr_installment"
    __table_args__ = plugin_table(
        PLUGIN,
        CheckConstraint("amount > 0", name="amount"),
        CheckConstraint("paid >= 0 AND paid <= amount", name="paid"),
        Index("ix_cr_installment_due", "due_on", "paid"),
        # Dunning for a large team: the earliest unpaid installments first, without a sort.
        Index(
            "ix_cr_installment_unpaid_due",
            "due_on",
            "id",
            sqlite_where=text("paid < amount"),
            postgresql_where=text("paid < amount"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("cr_order.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    paid: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))


class Payment(CustomerScoped, Base):
    __tablename__ = "cr_payment"
    __table_args__ = plugin_table(
        PLUGIN,
        CheckConstraint("amount > 0", name="amount"),
        Index("ix_cr_payment_received_on", "received_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("cr_order.id", ondelete="CASCADE"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id"))
    notes: Mapped[str | None] = mapped_column(Text)
