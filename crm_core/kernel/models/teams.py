"""Teams with a reports-to hierarchy, and its closure table (every ancestor/descendant pair)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.foundation.schema import Base
from crm_core.foundation.types import UTCDateTime, utcnow


class Team(Base):
    __tablename__ = "crm_team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("crm_team.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TeamClosure(Base):
    """(ancestor, descendant, depth) for every pair, self included at depth 0.

    Kept by crm_core.services.teams; lets visibility find a manager's whole subtree in one join.
    """

    __tablename__ = "crm_team_closure"
    __crm_audit__ = False

    ancestor_id: Mapped[int] = mapped_column(
        ForeignKey("crm_team.id", ondelete="CASCADE"), primary_key=True
    )
    descendant_id: Mapped[int] = mapped_column(
        ForeignKey("crm_team.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    depth: Mapped[int] = mapped_column(Integer)
