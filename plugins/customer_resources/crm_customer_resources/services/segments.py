"""Segmentation: customers by kind, industry, region, level, owner (the core's filter) and grade."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from crm_core.contract import Context
from crm_core.contract.customers import CustomerFilter
from crm_core.contract.models import Customer, User
from crm_customer_resources.models import CustomerProfile


def page(
    ctx: Context,
    where: CustomerFilter,
    *,
    grade: int | None = None,
    after_id: int = 0,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """One keyset page of visible customers in the segment, with their effective grade."""
    effective = func.coalesce(CustomerProfile.grade_override, CustomerProfile.grade)
    query = (
        select(Customer, User.login, effective)
        .outerjoin(User, User.id == Customer.owner_id)
        .outerjoin(CustomerProfile, CustomerProfile.customer_id == Customer.id)
        .where(Customer.id > after_id)
        .order_by(Customer.id)
        .limit(limit)
    )
    if grade is not None:
        query = query.where(effective == grade)
    return [
        {
            "id": c.id,
            "name": c.name,
            "kind": c.kind,
            "level": c.level,
            "grade": g,
            "industry": c.industry,
            "region": c.region,
            "owner": login,
        }
        for c, login, g in ctx.session.execute(where.resolved(ctx).apply(query))
    ]
