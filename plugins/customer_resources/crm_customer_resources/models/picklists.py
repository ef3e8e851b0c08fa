"""Configurable picklists (industries, regions) with Chinese labels: a dictionary the admin edits."""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm_core import Base, plugin_table

PICKLISTS = ("industry", "region")


class PicklistEntry(Base):
    __tablename__ = "cr_picklist"
    __table_args__ = plugin_table("customer_resources", UniqueConstraint("list", "code"))

    id: Mapped[int] = mapped_column(primary_key=True)
    list: Mapped[str] = mapped_column(String(32))
    #: The value stored on customers (crm_customer.industry / .region).
    code: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(100))
    label_zh: Mapped[str] = mapped_column(String(100))
    sort: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
