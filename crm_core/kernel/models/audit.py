"""The audit log: who changed which field of which record, from what to what, when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.foundation.schema import Base
from crm_core.foundation.types import UTCDateTime, utcnow


class AuditEntry(Base):
    __tablename__ = "crm_audit"
    __table_args__ = (
        Index("ix_crm_audit_entity", "entity", "entity_id", "id"),
        Index("ix_crm_audit_at", "at"),
        # One person's entries of one kind by time: today's protection probes, counted at once.
        Index("ix_crm_audit_action_actor", "action", "actor_id", "at"),
    )
    __crm_audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id"))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    field: Mapped[str | None] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
