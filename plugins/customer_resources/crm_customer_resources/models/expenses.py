"""Expenses by person, department (team), category and optionally customer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.contract.tables import Base, Money, OwnerScoped, plugin_table

EXPENSE_CATEGORIES = ("travel", "entertainment", "gifts", "marketing", "communication", "other")


class Expense(OwnerScoped, Base):
    """`owner_id` is the person who spent; visibility follows it (managers see their subtree)."""

    __tablename__ = "cr_expense"
    __table_args__ = plugin_table(
        "customer_resources",
        CheckConstraint("amount > 0", name="amount"),
        Index("ix_cr_expense_spent_on", "spent_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("crm_team.id"), index=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("crm_customer.id", ondelete="SET NULL"), index=True
    )
    amount: Mapped[Decimal] = mapped_column(Money)
    spent_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
