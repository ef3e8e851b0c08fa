"""The customer 360 view: sections contributed by the core and every enabled plugin."""

from __future__ import annotations

from crm_core.hooks.context import Context
from crm_core.hooks.sections import Section
from crm_core.kernel.models import Customer


def sections(ctx: Context, customer: Customer) -> list[Section]:
    found: list[Section] = ctx.hook.collect("crm_customer_sections", ctx=ctx, customer=customer)
    return sorted(found, key=lambda s: (s.order, s.title))
