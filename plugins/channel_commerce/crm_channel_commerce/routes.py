"""REST routes of channel commerce beside those of its commands: a dealer's credit at a glance,
what a phone asks before taking an order."""

from __future__ import annotations

from typing import Any

from crm_core.contract import NotFound, _
from crm_core.contract.server import ApiRoute, RouteRequest


def dealer_credit(request: RouteRequest) -> dict[str, Any]:
    """The dealer's credit limit, what is used and what is available."""
    with request.desk() as desk:
        customer = desk.customers.get(request.value("customer"))
        found = [row for row in desk.dealers.list() if row["dealer"] == customer.name]
    if not found:
        raise NotFound(_("{name} is not a dealer.", name=customer.name))
    row = found[0]
    return {
        "customer_id": customer.id,
        "dealer": row["dealer"],
        "level": row["level"],
        "credit_limit": row["credit_limit"],
        "credit_used": row["credit_used"],
        "available": row["available"],
        "contract_end": row["contract_end"],
    }


ROUTES = [
    ApiRoute(
        "GET",
        "/api/v1/dealers/{customer}/credit",
        dealer_credit,
        "A dealer's credit limit, used and available",
        "经销商信用额度：总额、已用、可用",
    )
]
