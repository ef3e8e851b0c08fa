"""Rollout indicators: one number each, computed in SQL from the data as of a day.

The core and every enabled plugin declare indicators through `crm_register_indicators`; goals
(`crm rollout goals add`) name up to three of them. Because an indicator is a function of the day,
its baseline at go-live can be computed long after go-live, and `crm rollout snapshot` can store
today's value to compare phases later.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from crm_core.foundation import i18n
from crm_core.foundation.errors import ValidationError
from crm_core.hooks.context import Context
from crm_core.hooks.indicators import INDICATORS, Indicator


def registry(ctx: Context) -> Mapping[str, Indicator]:
    """Every indicator the core and the enabled plugins registered, by name."""
    return ctx.registry(INDICATORS)


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
