"""The web pages of channel commerce: the dealers with their credit used and available, the
dealer orders, and the order form that drafts an order, shows its credit check (the order's
total against what the dealer has available) and only then confirms it, reserving the stock."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crm_core.contract import CrmError, _
from crm_core.contract.web import Moved, PageRequest, Shown, WebPage

TEMPLATES = "crm_channel_commerce"
ROLES = ("admin", "manager", "sales")


def dealers(request: PageRequest) -> Shown:
    with request.desk() as desk:
        rows = desk.dealers.list()
    for row in rows:
        limit = Decimal(row["credit_limit"] or 0)
        row["used_pct"] = int(Decimal(row["credit_used"] or 0) * 100 / limit) if limit else 0
    return request.show(f"{TEMPLATES}/dealers.html", dealers=rows)


def orders(request: PageRequest) -> Shown:
    status = request.value("status") or None
    with request.desk() as desk:
        rows = desk.dealer_orders.list(status=status, limit=200)
    return request.show(f"{TEMPLATES}/orders.html", orders=rows, chosen=status or "")


def _form(
    request: PageRequest,
    *,
    reason: str | None = None,
    status: int = 200,
) -> Shown:
    with request.desk() as desk:
        found = desk.dealers.list()
        levels = desk.stock.levels()
    warehouses = sorted({row["warehouse"] for row in levels})
    products = sorted({(row["product"], row["name"]) for row in levels})
    return request.show(
        f"{TEMPLATES}/order_form.html",
        status,
        dealers=found,
        warehouses=warehouses,
        products=products,
        values={k: request.value(k) for k in ("dealer", "warehouse", "lines")},
        reason=reason,
    )


def new_order(request: PageRequest) -> Shown | Moved:
    if request.method == "GET":
        return _form(request)
    lines = [line.strip() for line in request.value("lines").splitlines() if line.strip()]
    try:
        if not lines:
            raise CrmError(_("Write at least one line: PRODUCT:QUANTITY, one per line."))
        with request.desk(write=True) as desk:
            draft = desk.dealer_orders.create(
                request.value("dealer"), request.value("warehouse"), lines
            )
    except CrmError as refused:
        return _form(request, reason=str(refused), status=422)
    return request.moved(f"/dealer-orders/{draft.number}")


def order(request: PageRequest, *, reason: str | None = None, status: int = 200) -> Shown:
    number = request.value("number")
    with request.desk() as desk:
        shown = desk.dealer_orders.show(number)
        credit = next((d for d in desk.dealers.list() if d["dealer"] == shown["dealer"]), None)
    check = None
    if credit is not None and shown["status"] == "draft":
        available = Decimal(credit["credit_limit"]) - Decimal(credit["credit_used"])
        check = {
            "limit": credit["credit_limit"],
            "used": credit["credit_used"],
            "available": available,
            "total": shown["total"],
            "after": available - Decimal(shown["total"]),
            "fits": Decimal(shown["total"]) <= available,
        }
    return request.show(
        f"{TEMPLATES}/order.html",
        status,
        order=shown,
        check=check,
        reason=reason,
        done=request.value("done"),
    )


def _act(request: PageRequest, action: str) -> Shown | Moved:
    number = request.value("number")
    try:
        with request.desk(write=True) as desk:
            if action == "confirm":
                desk.dealer_orders.confirm(
                    number, override_reason=request.value("override_reason") or None
                )
            elif action == "ship":
                desk.dealer_orders.ship(number)
            elif action == "pay":
                desk.dealer_orders.pay(number, request.value("amount"))
            else:
                desk.dealer_orders.cancel(number)
    except CrmError as refused:
        return order(request, reason=str(refused), status=422)
    return request.moved(f"/dealer-orders/{number}?done={action}")


def confirm(request: PageRequest) -> Shown | Moved:
    return _act(request, "confirm")


def ship(request: PageRequest) -> Shown | Moved:
    return _act(request, "ship")


def pay(request: PageRequest) -> Shown | Moved:
    return _act(request, "pay")


def cancel(request: PageRequest) -> Shown | Moved:
    return _act(request, "cancel")


def _action(path: str, title: str, title_zh: str, handler: Any) -> WebPage:
    return WebPage(path, title, handler, title_zh=title_zh, methods=("POST",), package=TEMPLATES)


PAGES = [
    WebPage("/dealers", "Dealers", dealers, title_zh="经销商", menu=ROLES, package=TEMPLATES),
    WebPage(
        "/dealer-orders",
        "Dealer orders",
        orders,
        title_zh="经销商订单",
        menu=ROLES,
        package=TEMPLATES,
    ),
    WebPage(
        "/dealer-orders/new",
        "New dealer order",
        new_order,
        title_zh="新建经销商订单",
        methods=("GET", "POST"),
        package=TEMPLATES,
    ),
    WebPage(
        "/dealer-orders/{number}", "Dealer order", order, title_zh="经销商订单", package=TEMPLATES
    ),
    _action("/dealer-orders/{number}/confirm", "Confirm", "确认", confirm),
    _action("/dealer-orders/{number}/ship", "Ship", "发货", ship),
    _action("/dealer-orders/{number}/pay", "Pay", "收款", pay),
    _action("/dealer-orders/{number}/cancel", "Cancel", "取消", cancel),
]
