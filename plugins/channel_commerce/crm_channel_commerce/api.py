"""Block 3 through the library API: `desk.dealers`, `desk.stock`, `desk.dealer_orders`,
`desk.sales_plans` and `desk.materials`, registered with `crm_register_api_parts`. The block's
commands call these parts, so scripts and the REST API get the same answers and JSON shapes."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from crm_channel_commerce.models import Warehouse
from crm_channel_commerce.services import dealers, materials, orders, plans, stock
from crm_core.contract import Context
from crm_core.contract.models import Customer
from crm_core.contract.records import ApiPart


@attrs.frozen
class CreditRecord:
    """A dealer's credit limit and what its open orders use of it."""

    dealer: str
    credit_limit: Decimal
    credit_used: Decimal


@attrs.frozen
class DealerOrderState:
    number: str
    status: str
    total: Decimal
    paid: Decimal
    due_on: date | None


def _order_state(order: Any) -> DealerOrderState:
    return DealerOrderState(order.number, order.status, order.total, order.paid, order.due_on)


class Dealers:
    """`desk.dealers`: dealers with their level, credit limit, contract and rep."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def register(
        self,
        customer: str,
        *,
        level: str,
        credit_limit: str,
        region: str | None = None,
        contract_start: date | None = None,
        contract_end: date | None = None,
        rep_login: str | None = None,
    ) -> None:
        """Make a customer a dealer."""
        dealers.register(
            self._ctx,
            customer,
            level=level,
            credit_limit=credit_limit,
            region=region,
            contract_start=contract_start,
            contract_end=contract_end,
            rep_login=rep_login,
        )

    def change(
        self,
        customer: str,
        *,
        credit_limit: str | None = None,
        level: str | None = None,
        contract_end: date | None = None,
        rep_login: str | None = None,
    ) -> CreditRecord:
        """Change a dealer's level, credit limit, contract end or rep (None: unchanged)."""
        dealer = dealers.change(
            self._ctx,
            customer,
            credit_limit=credit_limit,
            level=level,
            contract_end=contract_end,
            rep_login=rep_login,
        )
        return CreditRecord(customer, dealer.credit_limit, dealer.credit_used)

    def list(self) -> list[dict[str, Any]]:
        """Dealers you may see with their credit used and available."""
        return dealers.listing(self._ctx)


class Stock:
    """`desk.stock`: warehouses, stock levels and the ledger that explains them."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def add_warehouse(self, code: str, name: str, region: str | None = None) -> None:
        stock.add_warehouse(self._ctx, code, name, region)

    def receive(
        self,
        warehouse: str,
        product: str,
        quantity: int,
        *,
        is_return: bool = False,
        reason: str | None = None,
    ) -> None:
        """Receive stock into a warehouse (a delivery, or goods a dealer returned)."""
        kind = "return" if is_return else "receipt"
        stock.receive(self._ctx, warehouse, product, quantity, kind=kind, reason=reason)

    def adjust(self, warehouse: str, product: str, quantity: int, reason: str) -> None:
        """Correct stock after a count (signed); never below what is reserved."""
        stock.adjust(self._ctx, warehouse, product, quantity, reason)

    def levels(self, warehouse: str | None = None) -> list[dict[str, Any]]:
        """On hand, reserved and available per warehouse and product."""
        return stock.levels(self._ctx, warehouse)

    def reconcile(self) -> list[dict[str, Any]]:
        """The stock levels that differ from the sum of their ledger (none: all is well)."""
        return stock.reconcile(self._ctx)


class DealerOrders:
    """`desk.dealer_orders`: dealer orders from draft through confirm, ship and pay."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def create(
        self,
        dealer: str,
        warehouse: str,
        lines: Sequence[str],
        ordered_on: date | None = None,
    ) -> DealerOrderState:
        """Draft an order; each line `PRODUCT:QTY[@PRICE]`. Confirming reserves the stock."""
        parsed = [orders.parse_line(line) for line in lines]
        return _order_state(orders.create(self._ctx, dealer, warehouse, parsed, ordered_on))

    def confirm(self, number: str, *, override_reason: str | None = None) -> None:
        """Reserve stock and consume credit; over the limit only with a reason (credit
        controllers)."""
        orders.confirm(self._ctx, number, override_reason=override_reason)

    def ship(self, number: str) -> DealerOrderState:
        return _order_state(orders.ship(self._ctx, number))

    def pay(self, number: str, amount: str, on: date | None = None) -> DealerOrderState:
        orders.pay(self._ctx, number, amount, on)
        return _order_state(orders.get(self._ctx, number))

    def cancel(self, number: str) -> None:
        """Cancel an order; its reserved stock and credit are released."""
        orders.cancel(self._ctx, number)

    def list(
        self,
        *,
        status: str | None = None,
        dealer: str | None = None,
        after_id: int = 0,
        limit: int = 50,
    ) -> builtins.list[dict[str, Any]]:
        return orders.listing(
            self._ctx, status=status, dealer_ref=dealer, after_id=after_id, limit=limit
        )

    def show(self, number: str) -> dict[str, Any]:
        """One order: its dealer, warehouse, status, `lines` (product codes and names),
        `payments`, what is owed and when it is due."""
        ctx = self._ctx
        order = orders.get(ctx, number)
        dealer = ctx.session.get(Customer, order.customer_id)
        warehouse = ctx.session.get(Warehouse, order.warehouse_id)
        return {
            "number": order.number,
            "dealer": dealer.name if dealer else None,
            "warehouse": warehouse.code if warehouse else None,
            "status": order.status,
            "total": order.total,
            "paid": order.paid,
            "owed": order.total - order.paid if order.status != "cancelled" else Decimal("0.00"),
            "ordered_on": order.ordered_on,
            "due_on": order.due_on,
            "lines": orders.line_rows(ctx, order),
            "payments": orders.payment_rows(ctx, order),
        }


class SalesPlans:
    """`desk.sales_plans`: sales targets per dealer or region for a month, quarter or year."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def set_target(
        self,
        period: str,
        target: str,
        *,
        dealer: str | None = None,
        region: str | None = None,
        product_line: str | None = None,
    ) -> None:
        """`period` is 2026-11, 2026-Q4 or 2026."""
        plans.set_target(
            self._ctx, period, target, dealer_ref=dealer, region=region, product_line=product_line
        )


class Materials:
    """`desk.materials`: marketing materials (posters, samples, displays) given to dealers."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def add(self, code: str, name: str, kind: str) -> None:
        materials.add(self._ctx, code, name, kind)

    def receive(self, code: str, quantity: int) -> int:
        """Receive material into stock; how many are then on hand."""
        return int(materials.receive(self._ctx, code, quantity).on_hand)

    def issue(self, code: str, dealer: str, quantity: int, campaign: str | None = None) -> None:
        materials.issue(self._ctx, code, dealer, quantity, campaign)

    def list(self) -> list[dict[str, Any]]:
        return materials.listing(self._ctx)


PARTS = (
    ApiPart("dealers", Dealers, "Dealers and their credit"),
    ApiPart("stock", Stock, "Warehouses and stock"),
    ApiPart("dealer_orders", DealerOrders, "Dealer orders"),
    ApiPart("sales_plans", SalesPlans, "Sales targets"),
    ApiPart("materials", Materials, "Marketing materials"),
)
