"""A rollout indicator: one number computed from the data as of a day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Literal

import attrs

from crm_core.foundation import i18n
from crm_core.hooks.registry import Collection

if TYPE_CHECKING:
    from crm_core.hooks.context import Context


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


INDICATORS: Collection[Indicator] = Collection(
    "crm_register_indicators", "indicator", lambda i: i.name
)
