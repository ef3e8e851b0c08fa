"""Rollout tracking through the API: each block's go-live day, goals, indicator snapshots and
the phase review against the 90-day and 180-day marks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from crm_core.features.tracking import goals as tracking
from crm_core.features.tracking import indicators, review
from crm_core.hooks.context import Context


@attrs.frozen
class IndicatorRecord:
    name: str
    title: str
    unit: str
    better: str


@attrs.frozen
class GoalRecord:
    """A goal of a block; `indicators` as `NAME` or `NAME=TARGET`."""

    id: int
    block: str
    title: str
    indicators: tuple[str, ...]


@attrs.frozen
class SnapshotRecord:
    block: str
    indicator: str
    taken_on: date
    value: Decimal | None


class Tracking:
    """`desk.tracking`: is each block doing what it went live for (changes by admins)."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def status(self, on: date | None = None) -> list[dict[str, Any]]:
        """Per enabled block: go-live day, days live, phase, marks, and each goal's indicators
        (baseline, previous, current, target, trend, verdict and the snapshot history as
        `{"day", "value"}` objects)."""
        blocks = tracking.status(self._ctx, on or self._ctx.today())
        for block in blocks:
            for goal in block["goals"]:
                for row in goal["indicators"]:
                    row["history"] = [{"day": d, "value": v} for d, v in row["history"]]
        return blocks

    def snapshot(self, on: date | None = None) -> tuple[SnapshotRecord, ...]:
        """Store every tracked indicator's value for the day."""
        stored = tracking.snapshot(self._ctx, on or self._ctx.today())
        return tuple(
            SnapshotRecord(s["block"], s["indicator"], s["taken_on"], s["value"]) for s in stored
        )

    def review_html(self, on: date | None = None) -> str:
        """The phase review (what improved, what did not) as one self-contained HTML page."""
        return review.html(self._ctx, on or self._ctx.today())

    def set_go_live(self, block: str, day: date) -> None:
        tracking.set_go_live(self._ctx, block, day)

    def indicators(self) -> tuple[IndicatorRecord, ...]:
        """Indicators that goals can use, from the core and the enabled plugins, by name."""
        found = sorted(indicators.registry(self._ctx).values(), key=lambda i: i.name)
        return tuple(IndicatorRecord(i.name, i.label(), i.unit, i.better) for i in found)

    def add_goal(
        self,
        block: str,
        title: str,
        indicator_names: Sequence[str],
        targets: Mapping[str, Decimal] | None = None,
    ) -> GoalRecord:
        """A goal for `block`, judged on up to three indicators, with optional targets."""
        goal = tracking.add_goal(
            self._ctx, block, title, list(indicator_names), dict(targets or {})
        )
        return next(g for g in self.goals() if g.id == goal.id)

    def goals(self) -> tuple[GoalRecord, ...]:
        return tuple(
            GoalRecord(
                g.id,
                g.block,
                g.title,
                tuple(
                    i.indicator if i.target is None else f"{i.indicator}={i.target.normalize():f}"
                    for i in g.indicators
                ),
            )
            for g in tracking.goals(self._ctx)
        )

    def remove_goal(self, goal_id: int) -> None:
        """Remove a goal; its snapshots stay."""
        tracking.remove_goal(self._ctx, goal_id)
