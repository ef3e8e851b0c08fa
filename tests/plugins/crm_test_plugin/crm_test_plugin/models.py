"""The test plugin's one table: notes on customers."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_core import Base, plugin_table
from crm_core.models import CustomerScoped


class Note(CustomerScoped, Base):
    __tablename__ = "tp_note"
    __table_args__ = plugin_table("test_plugin")

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(500))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id"))
