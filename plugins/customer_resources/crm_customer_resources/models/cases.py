"""Service cases: complaints and feedback from customers, followed to a resolution."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.contract.tables import Base, CustomerScoped, UTCDateTime, plugin_table, utcnow

CASE_KINDS = ("complaint", "feedback")
CASE_STATUSES = ("open", "in_progress", "resolved", "closed")
#: A case still to be worked on: it follows its customer to a new owner and keeps it protected.
OPEN_CASE_STATUSES = ("open", "in_progress")


class ServiceCase(CustomerScoped, Base):
    __tablename__ = "cr_case"
    __table_args__ = plugin_table(
        "customer_resources",
        CheckConstraint("kind in ('complaint', 'feedback')", name="kind"),
        CheckConstraint("status in ('open', 'in_progress', 'resolved', 'closed')", name="status"),
        Index("ix_cr_case_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id"), index=True)
    resolution: Mapped[str | None] = mapped_column(Text)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
