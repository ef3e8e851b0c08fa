"""Customers: any party the company deals with, and who owned it when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from crm_core.foundation.schema import Base
from crm_core.foundation.types import UTCDateTime, utcnow
from crm_core.hooks.scoping import OwnerScoped

KINDS = ("customer", "supplier", "partner", "agent", "competitor")
DEFAULT_LEVEL = "lead"


def key_text(length: int) -> TypeEngine[str]:
    """A machine key (normalised name, phone digits): ordered by code point everywhere, so an
    index range answers a prefix search (crm_core.foundation.prefix_match). SQLite compares code points
    already; on PostgreSQL the column gets the C collation (migration 0005)."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class Customer(OwnerScoped, Base):
    __tablename__ = "crm_customer"
    __table_args__ = (
        CheckConstraint(
            "kind in ('customer', 'supplier', 'partner', 'agent', 'competitor')", name="kind"
        ),
        # One registration per normalised name, and per normalised phone when there is one.
        Index("uq_crm_customer_name_key", "name_key", unique=True),
        Index(
            "uq_crm_customer_phone_key",
            "phone_key",
            unique=True,
            sqlite_where=text("phone_key IS NOT NULL"),
            postgresql_where=text("phone_key IS NOT NULL"),
        ),
        Index("ix_crm_customer_owner_id_id", "owner_id", "id"),
        Index("ix_crm_customer_initials", "initials"),
        Index("ix_crm_customer_level", "level"),
        Index("ix_crm_customer_kind", "kind"),
    )

    __crm_audit_exclude__ = ("name_key", "phone_key", "initials")

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(key_text(200))
    #: The name's pinyin initials ("bjhykj"), for search as people type (foundation.initials).
    initials: Mapped[str | None] = mapped_column(key_text(32))
    kind: Mapped[str] = mapped_column(String(16), default="customer")
    level: Mapped[str] = mapped_column(String(32), default=DEFAULT_LEVEL)
    industry: Mapped[str | None] = mapped_column(String(64), index=True)
    region: Mapped[str | None] = mapped_column(String(64), index=True)
    phone: Mapped[str | None] = mapped_column(String(64))
    phone_key: Mapped[str | None] = mapped_column(key_text(32))
    address: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: Indexed with id (ix_crm_customer_owner_id_id), which serves lookups by owner alone too:
    #: OwnerScoped's own index on it would only cost every insert and transfer (migration 0007).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id"), nullable=True)


class OwnershipPeriod(Base):
    """Who owned a customer from when to when; reports attribute past business to the old owner."""

    __tablename__ = "crm_customer_ownership"
    __table_args__ = (Index("ix_crm_customer_ownership_customer", "customer_id", "started_at"),)
    __crm_audit__ = False  # the transfer itself is audited on the customer row

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("crm_customer.id", ondelete="CASCADE"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(200))
