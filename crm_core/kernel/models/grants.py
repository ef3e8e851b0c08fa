"""Grants: a record opened to a user beyond what their place in the teams shows them (a
project's members see the project: crm_core.hooks.scoping.GrantScoped)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.foundation.schema import Base
from crm_core.foundation.types import UTCDateTime, utcnow


class Grant(Base):
    __tablename__ = "crm_grant"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("crm_user.id", ondelete="CASCADE"), primary_key=True
    )
    #: The table of the record granted on ("ps_project").
    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    record_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
