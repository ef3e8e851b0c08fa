"""Which customers have open business, as every enabled plugin names it (`crm_open_business`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, exists, true

from crm_core.hooks.business import OpenBusiness
from crm_core.hooks.context import Context


def open_business(ctx: Context) -> list[OpenBusiness]:
    """Every kind of open business the deployment's plugins hold."""
    kinds: list[OpenBusiness] = []
    for answer in ctx.hook.crm_open_business(ctx=ctx):
        kinds.extend(answer or ())
    return kinds


def without_open_business(ctx: Context, customer_id: Any) -> ColumnElement[bool]:
    """A condition true where `customer_id` has no open business of any kind (SQL, no rows read).

    Each kind is a NOT EXISTS correlated on the customer: one index probe per customer asked
    about. `NOT IN (subquery)` made SQLite build the whole subquery first, every open order and
    unpaid instalment of a million customers (2.5 s), to answer for the one customer of a 360
    view."""
    kinds = open_business(ctx)
    if not kinds:
        return true()
    conditions = []
    for kind in kinds:
        selected = kind.customer_ids.selected_columns[0]
        conditions.append(~exists(kind.customer_ids.where(selected == customer_id)))
    return and_(*conditions)
