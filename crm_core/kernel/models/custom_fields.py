"""Custom fields: typed fields an admin adds to any registered entity, and their values."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.foundation.schema import Base
from crm_core.foundation.types import UTCDateTime, utcnow

FIELD_TYPES = ("text", "int", "decimal", "date", "bool", "choice")


class CustomField(Base):
    """One field of one entity. Removing it archives it: its values stay, hidden, restorable."""

    __tablename__ = "crm_custom_field"
    __table_args__ = (
        UniqueConstraint("entity", "name"),
        CheckConstraint(
            "type in ('text', 'int', 'decimal', 'date', 'bool', 'choice')", name="type"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(100))
    label_zh: Mapped[str | None] = mapped_column(String(100))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CustomValue(Base):
    """A record's value of a custom field, in a canonical text form (plus a number to compare).

    `text` sorts correctly for every type but numbers: dates are ISO, booleans "true"/"false",
    choices their picklist code; `number` holds int and decimal values for range filters.
    Read values only through `crm_core.services.custom_fields`, which joins the record under visibility.
    """

    __tablename__ = "crm_custom_value"
    __table_args__ = (
        Index("ix_crm_custom_value_field_text", "field_id", "text", "record_id"),
        Index("ix_crm_custom_value_field_number", "field_id", "number"),
        Index("ix_crm_custom_value_record", "record_id", "field_id"),
    )
    __crm_audit__ = False  # audited as a field of the record it belongs to

    field_id: Mapped[int] = mapped_column(
        ForeignKey("crm_custom_field.id", ondelete="CASCADE"), primary_key=True
    )
    record_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    text: Mapped[str] = mapped_column(Text)
    number: Mapped[Decimal | None] = mapped_column(Numeric(20, 6))
