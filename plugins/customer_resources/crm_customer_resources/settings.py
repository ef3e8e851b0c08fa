"""This block's settings (crm config set customer_resources.KEY VALUE)."""

from __future__ import annotations

import itertools
from decimal import Decimal, InvalidOperation

from crm_core.contract import Context
from crm_core.contract.records import SettingSpec, parse_positive_int

PROTECTION_DAYS = "customer_resources.protection_days"
STALE_DAYS = "customer_resources.stale_days"
GRADE_THRESHOLDS = "customer_resources.grade_thresholds"


def parse_thresholds(text: str) -> list[str]:
    """Four ascending amounts, comma-separated: order totals from which grades 2, 3, 4, 5 start."""
    try:
        values = [Decimal(part.strip()) for part in text.split(",")]
    except InvalidOperation:
        raise ValueError("amounts such as 10000,50000,200000,1000000") from None
    if len(values) != 4 or any(b <= a for a, b in itertools.pairwise(values)) or values[0] <= 0:
        raise ValueError("four positive amounts in ascending order")
    return [str(v) for v in values]


SPECS = (
    SettingSpec(
        PROTECTION_DAYS,
        30,
        "days without interaction before a protected lead returns to the pool",
        parse_positive_int,
    ),
    SettingSpec(
        STALE_DAYS,
        30,
        "remind owners of customers not contacted for this many days",
        parse_positive_int,
    ),
    SettingSpec(
        GRADE_THRESHOLDS,
        ["10000", "50000", "200000", "1000000"],
        "order totals where signed customers reach grades 2, 3, 4 and 5",
        parse_thresholds,
    ),
)


def thresholds(ctx: Context) -> list[Decimal]:
    return [Decimal(v) for v in ctx.settings.get(GRADE_THRESHOLDS)]
