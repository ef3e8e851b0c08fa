"""Which customers have open business, as every enabled plugin names it (`crm_open_business`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, true

from crm_core.hooks.business import OpenBusiness
from crm_core.hooks.context import Context


def open_business(ctx: Context) -> list[OpenBusiness]:
    """Every kind of open business the deployment's plugins hold."""
    kinds: list[OpenBusiness] = []
    for answer in ctx.hook.crm_open_business(ctx=ctx):
        kinds.extend(answer or ())
    return kinds


def without_open_business(ctx: Context, customer_id: Any) -> ColumnElement[bool]:
    """A condition true where `customer_id` has no open business of any kind (SQL, no rows read)."""
    kinds = open_business(ctx)
    if not kinds:
        return true()
    conditions = []
    for kind in kinds:
        selected = kind.customer_ids.selected_columns[0]
        # NOT IN over a NULL is never true: leave NULLs out of the subquery.
        conditions.append(customer_id.not_in(kind.customer_ids.where(selected.is_not(None))))
    return and_(*conditions)
