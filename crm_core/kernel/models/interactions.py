"""Interactions: each visit, call, email or meeting with a customer."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.foundation.schema import Base
from crm_core.foundation.types import UTCDateTime, utcnow
from crm_core.hooks.scoping import CustomerScoped

#: The kinds every deployment starts with; the `interaction_kind` picklist may add more.
INTERACTION_KINDS = ("visit", "call", "email", "meeting")


class Interaction(CustomerScoped, Base):
    __tablename__ = "crm_interaction"
    __table_args__ = (
        Index("ix_crm_interaction_user_occurred", "user_id", "occurred_at"),
        Index("ix_crm_interaction_customer_occurred", "customer_id", "occurred_at"),
        Index("ix_crm_interaction_next_contact_on", "next_contact_on"),
        Index("ix_crm_interaction_occurred_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("crm_contact.id", ondelete="SET NULL")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("crm_user.id"))
    kind: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    notes: Mapped[str | None] = mapped_column(Text)
    next_contact_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
