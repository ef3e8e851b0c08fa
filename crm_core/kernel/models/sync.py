"""Receipts of ERP items already applied by `crm sync import`, so that importing again is a no-op."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.foundation.schema import Base
from crm_core.foundation.types import UTCDateTime, utcnow


class SyncReceipt(Base):
    __tablename__ = "crm_sync_receipt"
    __table_args__ = (UniqueConstraint("kind", "external_id"),)
    __crm_audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(200))
    #: Digest of the item as applied: the same id with new content is applied again.
    digest: Mapped[str] = mapped_column(String(64))
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
