"""The customer 360 view: sections contributed by the core and every enabled plugin."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from crm_core.context import Context
from crm_core.models import Customer


@attrs.frozen
class Section:
    title: str
    rows: Sequence[Mapping[str, Any]]
    #: Lower comes first; the core uses 0-99.
    order: int = 100
    source: str = "crm_core"


def sections(ctx: Context, customer: Customer) -> list[Section]:
    found: list[Section] = ctx.hook.collect("crm_customer_sections", ctx=ctx, customer=customer)
    return sorted(found, key=lambda s: (s.order, s.title))
