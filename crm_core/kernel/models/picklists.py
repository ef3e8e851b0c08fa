"""Picklists: the values a field may take (industries, regions, interaction kinds ...), with
English and Chinese labels. Records store the value's code."""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.foundation.schema import Base


class PicklistValue(Base):
    __tablename__ = "crm_picklist_value"
    __table_args__ = (UniqueConstraint("picklist", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    picklist: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(100))
    label_zh: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
