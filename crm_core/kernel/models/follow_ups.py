"""Follow-ups: a dated to-do about a customer for one user (made by hand or by a rule)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.foundation.schema import Base
from crm_core.foundation.types import UTCDateTime, utcnow
from crm_core.hooks.scoping import CustomerScoped


class FollowUp(CustomerScoped, Base):
    __tablename__ = "crm_follow_up"
    __table_args__ = (Index("ix_crm_follow_up_assignee_due", "assignee_id", "done_at", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("crm_user.id"))
    due_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(String(500))
    #: The rule that made it, if a rule did.
    rule: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
