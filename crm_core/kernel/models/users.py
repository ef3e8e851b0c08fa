"""Users: the people of the company, with a role and a team."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.foundation.schema import Base
from crm_core.foundation.types import UTCDateTime, utcnow

ROLES = ("admin", "manager", "sales")


class User(Base):
    __tablename__ = "crm_user"
    __table_args__ = (CheckConstraint("role in ('admin', 'manager', 'sales')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="sales")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("crm_team.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.login})"


class UserPermission(Base):
    """An extra right granted to one user, declared by the core or a plugin."""

    __tablename__ = "crm_user_permission"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("crm_user.id", ondelete="CASCADE"), primary_key=True
    )
    permission: Mapped[str] = mapped_column(String(64), primary_key=True)
