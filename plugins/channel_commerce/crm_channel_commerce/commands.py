"""`crm dealers`, `crm warehouses`, `crm stock`, `crm dealer-orders`, `crm plans`, `crm materials`."""

from __future__ import annotations

from datetime import datetime

import click

from crm_channel_commerce.models import ORDER_STATUSES
from crm_core.contract import ValidationError
from crm_core.contract.cli import App, emit, emit_object, format_option, page_options, pass_app

DAY = click.DateTime(["%Y-%m-%d"])


def _contract(text: str | None) -> tuple[datetime | None, datetime | None]:
    if not text:
        return None, None
    start, sep, end = text.partition(":")
    try:
        return datetime.fromisoformat(start), datetime.fromisoformat(end) if sep else None
    except ValueError:
        raise ValidationError(f"contract {text!r} is not YYYY-MM-DD:YYYY-MM-DD") from None


def dealers_group() -> click.Group:
    @click.group("dealers")
    def group() -> None:
        """Dealers and agents: level, region, contract, credit.  经销商。"""

    @group.command("add")
    @click.argument("customer")
    @click.option("--level", required=True, help="e.g. 一级, 二级, A")
    @click.option("--credit-limit", required=True)
    @click.option("--region")
    @click.option("--contract", help="START:END, e.g. 2026-01-01:2026-12-31")
    @click.option(
        "--rep", "rep_login", help="Responsible salesperson (default: the customer's owner)."
    )
    @pass_app
    def add(
        app: App,
        customer: str,
        level: str,
        credit_limit: str,
        region: str | None,
        contract: str | None,
        rep_login: str | None,
    ) -> None:
        """Make a customer a dealer, with level, credit limit and contract."""
        start, end = _contract(contract)
        with app.desk(write=True) as desk:
            desk.dealers.register(
                customer,
                level=level,
                credit_limit=credit_limit,
                region=region,
                contract_start=start.date() if start else None,
                contract_end=end.date() if end else None,
                rep_login=rep_login,
            )
        click.echo(f"dealer {customer} registered")

    @group.command("change")
    @click.argument("customer")
    @click.option("--credit-limit")
    @click.option("--level")
    @click.option("--contract-end", type=DAY)
    @click.option("--rep", "rep_login")
    @pass_app
    def change(
        app: App,
        customer: str,
        credit_limit: str | None,
        level: str | None,
        contract_end: datetime | None,
        rep_login: str | None,
    ) -> None:
        """Change a dealer's level, credit limit, contract or rep."""
        with app.desk(write=True) as desk:
            dealer = desk.dealers.change(
                customer,
                credit_limit=credit_limit,
                level=level,
                contract_end=contract_end.date() if contract_end else None,
                rep_login=rep_login,
            )
        click.echo(f"{customer}: limit {dealer.credit_limit}, open {dealer.credit_used}")

    @group.command("list")
    @format_option
    @pass_app
    def list_(app: App, fmt: str) -> None:
        """Dealers with their credit used and available."""
        with app.desk() as desk:
            rows = desk.dealers.list()
        emit(
            rows,
            fmt,
            [
                "dealer",
                "level",
                "region",
                "contract_start",
                "contract_end",
                "credit_limit",
                "credit_used",
                "available",
                "rep",
            ],
        )

    return group


def warehouses_group() -> click.Group:
    @click.group("warehouses")
    def group() -> None:
        """Warehouses.  仓库。"""

    @group.command("add")
    @click.argument("code")
    @click.option("--name", required=True)
    @click.option("--region")
    @pass_app
    def add(app: App, code: str, name: str, region: str | None) -> None:
        """Add a warehouse."""
        with app.desk(write=True) as desk:
            desk.stock.add_warehouse(code, name, region)
        click.echo(f"warehouse {code}")

    return group


def stock_group() -> click.Group:
    @click.group("stock")
    def group() -> None:
        """Stock and its ledger.  库存。"""

    @group.command("receive")
    @click.argument("warehouse")
    @click.argument("product")
    @click.argument("quantity", type=int)
    @click.option(
        "--return",
        "is_return",
        is_flag=True,
        help="A return from a dealer, not a purchase receipt.",
    )
    @click.option("--reason")
    @pass_app
    def receive(
        app: App, warehouse: str, product: str, quantity: int, is_return: bool, reason: str | None
    ) -> None:
        """Receive stock into a warehouse."""
        with app.desk(write=True) as desk:
            desk.stock.receive(warehouse, product, quantity, is_return=is_return, reason=reason)
        click.echo(f"received {quantity} {product} into {warehouse}")

    @group.command(
        "adjust", context_settings={"ignore_unknown_options": True}
    )  # "-5" is a quantity
    @click.argument("warehouse")
    @click.argument("product")
    @click.argument("quantity", type=int)
    @click.option("--reason", required=True)
    @pass_app
    def adjust(app: App, warehouse: str, product: str, quantity: int, reason: str) -> None:
        """Correct stock after a count (QUANTITY is signed); never below what is reserved."""
        with app.desk(write=True) as desk:
            desk.stock.adjust(warehouse, product, quantity, reason)
        click.echo(f"adjusted {product} in {warehouse} by {quantity}")

    @group.command("list")
    @click.option("--warehouse")
    @format_option
    @pass_app
    def list_(app: App, warehouse: str | None, fmt: str) -> None:
        """Stock per warehouse and product: on hand, reserved, available."""
        with app.desk() as desk:
            rows = desk.stock.levels(warehouse)
        emit(rows, fmt, ["warehouse", "product", "name", "on_hand", "reserved", "available"])

    @group.command("reconcile")
    @format_option
    @pass_app
    def reconcile(app: App, fmt: str) -> None:
        """Check that every stock level equals the sum of its ledger."""
        with app.desk() as desk:
            problems = desk.stock.reconcile()
        if problems:
            emit(problems, fmt)
            raise ValidationError(f"{len(problems)} stock level(s) differ from the ledger")
        click.echo("stock matches the ledger")

    return group


def orders_group() -> click.Group:
    @click.group("dealer-orders")
    def group() -> None:
        """Dealer orders: draft, confirm, ship, pay, cancel.  经销商订单。"""

    @group.command("add")
    @click.argument("dealer")
    @click.option("--warehouse", required=True)
    @click.option("--line", "lines", multiple=True, required=True, metavar="CODE:QTY[@PRICE]")
    @click.option("--date", "on", type=DAY)
    @pass_app
    def add(
        app: App, dealer: str, warehouse: str, lines: tuple[str, ...], on: datetime | None
    ) -> None:
        """Draft an order for DEALER from a warehouse; confirm it to reserve stock."""
        with app.desk(write=True) as desk:
            order = desk.dealer_orders.create(dealer, warehouse, lines, on.date() if on else None)
        click.echo(f"draft {order.number}: {order.total}")

    @group.command("confirm")
    @click.argument("number")
    @click.option(
        "--override-credit",
        "reason",
        help="Credit controllers: confirm past the limit, with a reason.",
    )
    @pass_app
    def confirm(app: App, number: str, reason: str | None) -> None:
        """Reserve stock and consume credit."""
        with app.desk(write=True) as desk:
            desk.dealer_orders.confirm(number, override_reason=reason)
        click.echo(f"confirmed {number}")

    @group.command("ship")
    @click.argument("number")
    @pass_app
    def ship(app: App, number: str) -> None:
        """Ship a confirmed order: reserved stock leaves the warehouse."""
        with app.desk(write=True) as desk:
            order = desk.dealer_orders.ship(number)
        click.echo(f"shipped {number}; payment due {order.due_on}")

    @group.command("pay")
    @click.argument("number")
    @click.argument("amount")
    @click.option("--date", "on", type=DAY)
    @pass_app
    def pay(app: App, number: str, amount: str, on: datetime | None) -> None:
        """Record a payment against a shipped order."""
        with app.desk(write=True) as desk:
            order = desk.dealer_orders.pay(number, amount, on.date() if on else None)
        click.echo(f"{number}: paid {order.paid} of {order.total} ({order.status})")

    @group.command("cancel")
    @click.argument("number")
    @pass_app
    def cancel(app: App, number: str) -> None:
        """Cancel an order; its reserved stock and credit are released."""
        with app.desk(write=True) as desk:
            desk.dealer_orders.cancel(number)
        click.echo(f"cancelled {number}")

    @group.command("list")
    @click.option("--status", type=click.Choice(ORDER_STATUSES))
    @click.option("--dealer")
    @page_options
    @format_option
    @pass_app
    def list_(
        app: App, status: str | None, dealer: str | None, after_id: int, limit: int, fmt: str
    ) -> None:
        """Dealer orders you may see."""
        with app.desk() as desk:
            rows = desk.dealer_orders.list(
                status=status, dealer=dealer, after_id=after_id, limit=limit
            )
        emit(rows, fmt, ["number", "dealer", "ordered_on", "status", "total", "paid", "due_on"])

    @group.command("show")
    @click.argument("number")
    @format_option
    @pass_app
    def show(app: App, number: str, fmt: str) -> None:
        """One order: dealer, lines, status, payments, what is owed."""
        with app.desk() as desk:
            record = desk.dealer_orders.show(number)
        if fmt == "json":
            emit_object(record, fmt)
            return
        lines, paid = record.pop("lines"), record.pop("payments")
        emit_object(record, fmt)
        emit(lines, fmt, ["product", "name", "quantity", "price", "amount"], title="Lines")
        emit(paid, fmt, ["received_on", "amount"], title="Payments")

    return group


def plans_group() -> click.Group:
    @click.group("plans")
    def group() -> None:
        """Sales targets per dealer or region, month/quarter/year.  销售计划。"""

    @group.command("set")
    @click.argument("period")
    @click.argument("target")
    @click.option("--dealer")
    @click.option("--region")
    @click.option("--line", "product_line")
    @pass_app
    def set_(
        app: App,
        period: str,
        target: str,
        dealer: str | None,
        region: str | None,
        product_line: str | None,
    ) -> None:
        """PERIOD is 2026-11, 2026-Q4 or 2026."""
        with app.desk(write=True) as desk:
            desk.sales_plans.set_target(
                period, target, dealer=dealer, region=region, product_line=product_line
            )
        click.echo(f"plan {period}: {target}")

    return group


def materials_group() -> click.Group:
    @click.group("materials")
    def group() -> None:
        """Marketing materials: posters, samples, displays.  营销物品。"""

    @group.command("add")
    @click.argument("code")
    @click.option("--name", required=True)
    @click.option("--kind", required=True, help="poster, sample, display ...")
    @pass_app
    def add(app: App, code: str, name: str, kind: str) -> None:
        """Add a marketing material (poster, sample, display)."""
        with app.desk(write=True) as desk:
            desk.materials.add(code, name, kind)
        click.echo(f"material {code}")

    @group.command("receive")
    @click.argument("code")
    @click.argument("quantity", type=int)
    @pass_app
    def receive(app: App, code: str, quantity: int) -> None:
        """Receive material into stock."""
        with app.desk(write=True) as desk:
            on_hand = desk.materials.receive(code, quantity)
        click.echo(f"{code}: {on_hand} on hand")

    @group.command("issue")
    @click.argument("code")
    @click.argument("dealer")
    @click.argument("quantity", type=int)
    @click.option("--campaign")
    @pass_app
    def issue(app: App, code: str, dealer: str, quantity: int, campaign: str | None) -> None:
        """Issue a material to a dealer, for a campaign."""
        with app.desk(write=True) as desk:
            desk.materials.issue(code, dealer, quantity, campaign)
        click.echo(f"issued {quantity} {code} to {dealer}")

    @group.command("list")
    @format_option
    @pass_app
    def list_(app: App, fmt: str) -> None:
        """Materials with stock on hand and issued."""
        with app.desk() as desk:
            rows = desk.materials.list()
        emit(rows, fmt, ["code", "name", "kind", "on_hand"])

    return group


def register(cli: click.Group) -> None:
    for group in (
        dealers_group(),
        warehouses_group(),
        stock_group(),
        orders_group(),
        plans_group(),
        materials_group(),
    ):
        cli.add_command(group)
