"""Rollout indicators: one number each, computed in SQL from the data as of a day.

The core and every enabled plugin declare indicators through `crm_register_indicators`; goals
(`crm rollout goals add`) name up to three of them. Because an indicator is a function of the day,
its baseline at go-live can be computed long after go-live, and `crm rollout snapshot` can store
today's value to compare phases later.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

import attrs

from crm_core import i18n
from crm_core.context import Context
from crm_core.errors import PluginError, ValidationError


@attrs.frozen
class Indicator:
    """`compute(ctx, day)` returns the value as of the end of `day` (None: not enough data)."""

    name: str
    title: str
    compute: Callable[[Context, date], Decimal | float | int | None]
    unit: str = ""  # "%", "days", "count" or a currency code
    better: Literal["higher", "lower"] = "higher"
    title_zh: str = ""

    def label(self) -> str:
        return self.title_zh if i18n.language() == "zh" and self.title_zh else self.title

    def value_on(self, ctx: Context, day: date) -> Decimal | None:
        raw = self.compute(ctx, day)
        if raw is None:
            return None
        return Decimal(str(raw)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def registry(ctx: Context) -> dict[str, Indicator]:
    found: dict[str, Indicator] = {}

    def register(indicator: Indicator) -> None:
        if indicator.name in found:
            raise PluginError(f"indicator {indicator.name!r} is registered twice")
        found[indicator.name] = indicator

    ctx.hook.crm_register_indicators(register=register)
    return found


def lookup(ctx: Context, name: str) -> Indicator:
    indicator = registry(ctx).get(name)
    if indicator is None:
        raise ValidationError(
            i18n._("No indicator {name} (see `crm rollout indicators`).", name=name)
        )
    return indicator


def day_end(ctx: Context, day: date) -> datetime:
    """The first moment after `day` in the deployment's time zone: `< day_end` means 'by day'."""
    return datetime.combine(day + timedelta(days=1), time.min, ctx.zone)


def share(part: Any, whole: Any) -> Decimal | None:
    """`part` as a percentage of `whole`, or None when there is nothing to divide by."""
    if not whole:
        return None
    return Decimal(int(part or 0)) * 100 / Decimal(int(whole))
