"""Rollout tracking: each block's go-live day, its goals (up to three indicators each), and the
indicator values stored by `crm rollout snapshot` so that phases can be compared."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_core.foundation.schema import Base
from crm_core.foundation.types import UTCDateTime, utcnow

#: A goal is judged on at most this many indicators: more and nobody reads them.
MAX_INDICATORS = 3


class RolloutBlock(Base):
    """A block (an enabled plugin) whose rollout is tracked, with its go-live day."""

    __tablename__ = "crm_rollout_block"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    go_live_on: Mapped[date] = mapped_column(Date)


class RolloutGoal(Base):
    __tablename__ = "crm_rollout_goal"

    id: Mapped[int] = mapped_column(primary_key=True)
    block: Mapped[str] = mapped_column(
        ForeignKey("crm_rollout_block.name", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    indicators: Mapped[list[GoalIndicator]] = relationship(
        order_by="GoalIndicator.position", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (UniqueConstraint("block", "title"),)


class GoalIndicator(Base):
    """One of a goal's indicators, with an optional target value."""

    __tablename__ = "crm_rollout_goal_indicator"

    goal_id: Mapped[int] = mapped_column(
        ForeignKey("crm_rollout_goal.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator: Mapped[str] = mapped_column(String(64))
    target: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))

    __table_args__ = (
        CheckConstraint(f"position BETWEEN 1 AND {MAX_INDICATORS}", name="position_range"),
        UniqueConstraint("goal_id", "indicator"),
    )


class IndicatorSnapshot(Base):
    """An indicator's value on a day, as seen by everything (computed as the system)."""

    __tablename__ = "crm_rollout_snapshot"
    __crm_audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    block: Mapped[str] = mapped_column(String(64))
    indicator: Mapped[str] = mapped_column(String(64))
    taken_on: Mapped[date] = mapped_column(Date)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    value: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))

    __table_args__ = (UniqueConstraint("block", "indicator", "taken_on"),)
