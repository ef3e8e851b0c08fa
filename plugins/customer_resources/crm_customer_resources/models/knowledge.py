"""The knowledge base: articles shared across the company."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.contract.tables import Base, UTCDateTime, plugin_table, utcnow

ARTICLE_CATEGORIES = ("competitor", "faq", "proposal", "technique")


class Article(Base):
    __tablename__ = "cr_article"
    __table_args__ = plugin_table("customer_resources")

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), index=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    body: Mapped[str] = mapped_column(Text)
    #: Paths of attached files, as given (checked to exist when added).
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
