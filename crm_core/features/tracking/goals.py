"""Rollout tracking: does each block prove its value within 90 days and pay back within 180?

A block is an enabled plugin. Its go-live day defaults to the day it was first enabled. The
deployment gives each block goals of up to three indicators; `status` compares each indicator's
baseline (its value at go-live: stored by a snapshot taken that day, else computed as of that day)
with the latest snapshot and with today's value. Every figure covers the whole company, so the
commands are for admins.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select

from crm_core.features.tracking import indicators
from crm_core.foundation import i18n
from crm_core.foundation.errors import NotFound, PermissionDenied, ValidationError
from crm_core.hooks.context import Context
from crm_core.hooks.indicators import Indicator
from crm_core.kernel.models import (
    GoalIndicator,
    IndicatorSnapshot,
    PluginState,
    RolloutBlock,
    RolloutGoal,
)
from crm_core.kernel.models.rollout import MAX_INDICATORS

PROVE_DAYS = 90
PAYBACK_DAYS = 180


def _require_admin(ctx: Context, doing: str) -> None:
    if not ctx.actor.is_admin:
        raise PermissionDenied(f"{ctx.actor.login} may not {doing}: rollout tracking is for admins")


def _enabled(ctx: Context) -> dict[str, PluginState]:
    return {
        s.name: s
        for s in ctx.session.scalars(
            select(PluginState).where(PluginState.enabled.is_(True)).order_by(PluginState.name)
        )
    }


def go_live_days(ctx: Context) -> dict[str, date]:
    """Every enabled block's go-live day: as recorded, else the day it was first enabled."""
    recorded = {b.name: b.go_live_on for b in ctx.session.scalars(select(RolloutBlock))}
    return {
        name: recorded.get(name) or ctx.local(state.first_enabled_at).date()
        for name, state in _enabled(ctx).items()
    }


def _block(ctx: Context, name: str) -> RolloutBlock:
    """The block's row, created with the default go-live day when first needed."""
    days = go_live_days(ctx)
    if name not in days:
        raise NotFound(i18n._("No enabled block {name} (see `crm plugins list`).", name=name))
    block = ctx.session.get(RolloutBlock, name)
    if block is None:
        block = RolloutBlock(name=name, go_live_on=days[name])
        ctx.session.add(block)
        ctx.session.flush()
    return block


def set_go_live(ctx: Context, name: str, day: date) -> None:
    _require_admin(ctx, "set a go-live day")
    _block(ctx, name).go_live_on = day


def add_goal(
    ctx: Context,
    block_name: str,
    title: str,
    indicator_names: Sequence[str],
    targets: Mapping[str, Decimal] | None = None,
) -> RolloutGoal:
    """A goal for a block, judged on one to three indicators (each with an optional target)."""
    _require_admin(ctx, "define rollout goals")
    title = title.strip()
    if not title:
        raise ValidationError(i18n._("A goal needs a title."))
    if not 1 <= len(indicator_names) <= MAX_INDICATORS:
        raise ValidationError(i18n._("A goal has one to {n} indicators.", n=MAX_INDICATORS))
    if len(set(indicator_names)) != len(indicator_names):
        raise ValidationError(i18n._("A goal names each indicator once."))
    targets = dict(targets or {})
    stray = sorted(set(targets) - set(indicator_names))
    if stray:
        raise ValidationError(f"targets for indicators the goal does not use: {', '.join(stray)}")
    for name in indicator_names:
        indicators.lookup(ctx, name)
    block = _block(ctx, block_name)
    if ctx.session.scalar(
        select(RolloutGoal.id).where(RolloutGoal.block == block.name, RolloutGoal.title == title)
    ):
        raise ValidationError(
            i18n._("Block {block} already has a goal {title}.", block=block.name, title=title)
        )
    goal = RolloutGoal(
        block=block.name,
        title=title,
        indicators=[
            GoalIndicator(position=i, indicator=name, target=targets.get(name))
            for i, name in enumerate(indicator_names, start=1)
        ],
    )
    ctx.session.add(goal)
    ctx.session.flush()
    return goal


def remove_goal(ctx: Context, goal_id: int) -> None:
    _require_admin(ctx, "remove rollout goals")
    goal = ctx.session.get(RolloutGoal, goal_id)
    if goal is None:
        raise NotFound(i18n._("No goal {id}.", id=goal_id))
    ctx.session.delete(goal)


def goals(ctx: Context) -> list[RolloutGoal]:
    return list(
        ctx.session.scalars(select(RolloutGoal).order_by(RolloutGoal.block, RolloutGoal.id))
    )


def _tracked(ctx: Context) -> list[tuple[str, str]]:
    """(block, indicator) pairs named by some goal of an enabled block."""
    enabled = set(_enabled(ctx))
    pairs = {
        (goal.block, item.indicator)
        for goal in goals(ctx)
        if goal.block in enabled
        for item in goal.indicators
    }
    return sorted(pairs)


def snapshot(ctx: Context, day: date) -> list[dict[str, Any]]:
    """Store every tracked indicator's value as of `day` (taken again the same day: replaced)."""
    _require_admin(ctx, "take rollout snapshots")
    known = indicators.registry(ctx)
    stored = []
    for block, name in _tracked(ctx):
        indicator = known.get(name)
        if indicator is None:  # its plugin was disabled: keep the history, skip the value
            continue
        value = indicator.value_on(ctx, day)
        ctx.session.execute(
            delete(IndicatorSnapshot).where(
                IndicatorSnapshot.block == block,
                IndicatorSnapshot.indicator == name,
                IndicatorSnapshot.taken_on == day,
            )
        )
        ctx.session.add(IndicatorSnapshot(block=block, indicator=name, taken_on=day, value=value))
        stored.append({"block": block, "indicator": name, "taken_on": day, "value": value})
    ctx.session.flush()
    return stored


def _history(ctx: Context) -> dict[tuple[str, str], list[tuple[date, Decimal | None]]]:
    history: dict[tuple[str, str], list[tuple[date, Decimal | None]]] = {}
    for snap in ctx.session.scalars(select(IndicatorSnapshot).order_by(IndicatorSnapshot.taken_on)):
        history.setdefault((snap.block, snap.indicator), []).append(
            (snap.taken_on, _cents(snap.value))
        )
    return history


def _cents(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.01"))


def phase(days_live: int) -> str:
    if days_live < 0:
        return "not live yet"
    if days_live < PROVE_DAYS:
        return "proving value"
    if days_live < PAYBACK_DAYS:
        return "paying back"
    return "past 180 days"


def _direction(old: Decimal | None, new: Decimal | None) -> str:
    if old is None or new is None:
        return "n/a"
    return "up" if new > old else "down" if new < old else "flat"


def _verdict(indicator: Indicator, baseline: Decimal | None, current: Decimal | None) -> str:
    move = _direction(baseline, current)
    if move in ("n/a", "flat"):
        return "no data" if move == "n/a" else "unchanged"
    improved = (move == "up") == (indicator.better == "higher")
    return "improved" if improved else "worse"


def _target_met(
    indicator: Indicator, target: Decimal | None, current: Decimal | None
) -> bool | None:
    if target is None or current is None:
        return None
    return current >= target if indicator.better == "higher" else current <= target


def status(ctx: Context, today: date) -> list[dict[str, Any]]:
    """Per enabled block: go-live, days live, phase, and each goal's indicators."""
    _require_admin(ctx, "read rollout status")
    known = indicators.registry(ctx)
    history = _history(ctx)
    by_block: dict[str, list[RolloutGoal]] = {}
    for goal in goals(ctx):
        by_block.setdefault(goal.block, []).append(goal)
    blocks = []
    for name, go_live in go_live_days(ctx).items():
        days_live = (today - go_live).days
        goal_rows = []
        for goal in by_block.get(name, []):
            rows = []
            for item in goal.indicators:
                indicator = known.get(item.indicator)
                if indicator is None:
                    continue
                past = history.get((name, item.indicator), [])
                at_go_live = [v for d, v in past if d == go_live]
                baseline = at_go_live[0] if at_go_live else indicator.value_on(ctx, go_live)
                earlier = [(d, v) for d, v in past if go_live < d < today]
                previous_on, previous = earlier[-1] if earlier else (None, None)
                current = indicator.value_on(ctx, today)
                rows.append(
                    {
                        "indicator": indicator.name,
                        "title": indicator.label(),
                        "unit": indicator.unit,
                        "better": indicator.better,
                        "baseline": baseline,
                        "baseline_source": "snapshot" if at_go_live else "computed",
                        "previous": previous,
                        "previous_on": previous_on,
                        "current": current,
                        "trend": _direction(previous if previous_on else baseline, current),
                        "verdict": _verdict(indicator, baseline, current),
                        "target": _cents(item.target),
                        "target_met": _target_met(indicator, item.target, current),
                        "history": [(d, v) for d, v in past if go_live <= d <= today],
                    }
                )
            goal_rows.append({"id": goal.id, "title": goal.title, "indicators": rows})
        blocks.append(
            {
                "block": name,
                "go_live_on": go_live,
                "days_live": days_live,
                "mark_90_on": go_live + timedelta(days=PROVE_DAYS),
                "mark_180_on": go_live + timedelta(days=PAYBACK_DAYS),
                "phase": phase(days_live),
                "value_shown": _value_shown(goal_rows),
                "goals": goal_rows,
            }
        )
    return blocks


def _value_shown(goal_rows: list[dict[str, Any]]) -> bool | None:
    """Every goal has an indicator that improved or met its target (None: no goals)."""
    if not goal_rows:
        return None
    return all(
        any(r["verdict"] == "improved" or r["target_met"] for r in goal["indicators"])
        for goal in goal_rows
    )
