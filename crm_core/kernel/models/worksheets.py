"""Worksheets handed to salespeople as .xlsx, and the filled-in lines already applied from them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.foundation.schema import Base
from crm_core.foundation.types import UTCDateTime, utcnow


class Worksheet(Base):
    __tablename__ = "crm_worksheet"
    __crm_audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Written into the file; identifies the worksheet when it comes back under any name.
    token: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("crm_user.id"), index=True)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    file_name: Mapped[str] = mapped_column(String(300))
    rows: Mapped[int] = mapped_column(Integer)
    last_collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WorksheetEntry(Base):
    """One filled-in line applied: the same line collected again is recognised by its digest."""

    __tablename__ = "crm_worksheet_entry"
    __crm_audit__ = False

    worksheet_id: Mapped[int] = mapped_column(
        ForeignKey("crm_worksheet.id", ondelete="CASCADE"), primary_key=True
    )
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("crm_customer.id", ondelete="CASCADE"), primary_key=True
    )
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
