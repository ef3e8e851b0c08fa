"""The recycle bin: records deleted by people, kept whole so that they can be restored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.foundation.schema import Base
from crm_core.foundation.types import UTCDateTime, utcnow


class DeletedRecord(Base):
    """One deleted record: its table row as it was, its custom-field values, and the rows that
    pointed at it (their link was cleared by the delete and comes back with a restore)."""

    __tablename__ = "crm_deleted_record"
    __table_args__ = (
        Index("ix_crm_deleted_record_entity", "entity", "record_id"),
        Index("ix_crm_deleted_record_by", "deleted_by_id", "deleted_at"),
    )
    __crm_audit__ = False  # the delete and the restore are audited on the record itself

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(300))
    #: The table row, column by column (dates, moments and amounts tagged: services.trash).
    row: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Custom-field values {field_id: [text, number]}.
    custom: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Rows whose reference the delete cleared: [[table, column, [ids]], ...].
    links: Mapped[list[Any]] = mapped_column(JSON, default=list)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id"))
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
