"""REST routes of customer resources beside those of its commands: what a customer still owes,
order by order, for the salesperson about to visit."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crm_core.contract.server import ApiRoute, RouteRequest

#: Orders of one customer read at most (a customer with more is not a phone's question).
MOST_ORDERS = 2_000


def customer_owed(request: RouteRequest) -> dict[str, Any]:
    """The customer's orders with money still owed, and the total."""
    with request.desk() as desk:
        customer = desk.customers.get(request.value("customer"))
        owed: list[dict[str, Any]] = []
        after = 0
        read = 0
        while read < MOST_ORDERS:
            page = desk.orders.list(customer=str(customer.id), after_id=after, limit=500)
            owed += [row for row in page if row["owed"] > 0]
            read += len(page)
            if len(page) < 500:
                break
            after = page[-1]["id"]
    total = sum((row["owed"] for row in owed), Decimal(0))
    return {"customer_id": customer.id, "customer": customer.name, "owed": total, "orders": owed}


ROUTES = [
    ApiRoute(
        "GET",
        "/api/v1/customers/{customer}/owed",
        customer_owed,
        "What a customer still owes, order by order",
        "客户欠款：逐单列出未收金额",
    )
]
