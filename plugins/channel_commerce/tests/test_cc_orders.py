"""Dealer orders, stock and credit: the invariants, single-threaded and property-based."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import Block3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from crm_channel_commerce.models import CreditOverride, Dealer, DealerOrder, Stock
from crm_channel_commerce.services import dealers, materials, orders, stock
from crm_channel_commerce.services.stock import STOCK_KEEPER
from crm_core.foundation.errors import NotFound, PermissionDenied, ValidationError
from crm_core.hooks.actor import SYSTEM
from crm_core.kernel.models import AuditEntry
from crm_core.services import customers, users


def draft(
    block3: Block3, qty: int, dealer: str = "杭州代理商", login: str = "rep", product: str = "P1"
) -> str:
    with block3.work(login, write=True) as ctx:
        return orders.create(ctx, dealer, "W1", [orders.Line(product, qty)]).number


def invariants(block3: Block3) -> None:
    with block3.work(SYSTEM) as ctx:
        for row in ctx.session.scalars(select(Stock)):
            assert 0 <= row.reserved <= row.on_hand
        assert stock.reconcile(ctx) == []
        for dealer in ctx.session.scalars(select(Dealer)):
            open_orders = ctx.session.scalar(
                select(func.coalesce(func.sum(DealerOrder.total - DealerOrder.paid), 0)).where(
                    DealerOrder.customer_id == dealer.customer_id,
                    DealerOrder.status.in_(("confirmed", "shipped")),
                )
            )
            overridden = ctx.session.scalar(
                select(func.count())
                .select_from(CreditOverride)
                .where(CreditOverride.customer_id == dealer.customer_id)
            )
            assert dealer.credit_used == Decimal(open_orders)
            assert overridden or dealer.credit_used <= dealer.credit_limit
        reserved = ctx.session.execute(select(func.coalesce(func.sum(Stock.reserved), 0))).scalar()
        assert reserved >= 0


def test_lifecycle(block3: Block3) -> None:
    number = draft(block3, 5)
    with block3.work("rep", write=True) as ctx:
        orders.confirm(ctx, number)
        assert dealers.get(ctx, "杭州代理商").credit_used == Decimal("5000.00")
        assert stock.levels(ctx, "W1")[0]["reserved"] == 5
        with pytest.raises(ValidationError, match="is confirmed, not draft"):
            orders.confirm(ctx, number)
        orders.pay(ctx, number, "2000")
        order = orders.ship(ctx, number)
        assert order.status == "shipped" and order.due_on is not None
        assert (
            stock.levels(ctx, "W1")[0]["on_hand"] == 35
            and stock.levels(ctx, "W1")[0]["reserved"] == 0
        )
        with pytest.raises(ValidationError, match="too much"):
            orders.pay(ctx, number, "3000.01")
        orders.pay(ctx, number, "3000")
        assert orders.get(ctx, number).status == "paid"
        assert dealers.get(ctx, "杭州代理商").credit_used == Decimal("0.00")
    invariants(block3)


def test_refusals_give_the_figures_and_change_nothing(block3: Block3) -> None:
    too_many = draft(block3, 41)
    with pytest.raises(ValidationError) as caught, block3.work("rep", write=True) as ctx:
        orders.confirm(ctx, too_many)
    assert "41 wanted, 40 available" in str(caught.value)
    too_dear = draft(block3, 6, dealer="宁波代理商")
    with pytest.raises(ValidationError) as caught, block3.work("rep", write=True) as ctx:
        orders.confirm(ctx, too_dear)
    assert "limit 5000.00, open 0.00, this order 6000.00, available 5000.00" in str(caught.value)
    with block3.work("rep") as ctx:
        assert orders.get(ctx, too_dear).status == "draft"
        assert stock.levels(ctx, "W1")[0]["reserved"] == 0
    invariants(block3)


def test_credit_override_needs_the_permission_and_is_audited(block3: Block3) -> None:
    number = draft(block3, 6, dealer="宁波代理商")
    with (
        pytest.raises(PermissionDenied, match="credit controller"),
        block3.work("rep", write=True) as ctx,
    ):
        orders.confirm(ctx, number, override_reason="老客户")
    with block3.work("cfo", write=True) as ctx:
        orders.confirm(ctx, number, override_reason="老客户，月底回款")
        assert dealers.get(ctx, "宁波代理商").credit_used == Decimal("6000.00")
    with block3.work(SYSTEM) as ctx:
        override = ctx.session.scalar(select(CreditOverride))
        assert override is not None and (override.credit_limit, override.order_total) == (
            Decimal("5000.00"),
            Decimal("6000.00"),
        )
        assert (
            ctx.session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.entity == "cc_credit_override")
            )
            == 1
        )
    invariants(block3)


def test_cancel_releases_stock_and_credit(block3: Block3) -> None:
    number = draft(block3, 10)
    with block3.work("rep", write=True) as ctx:
        orders.confirm(ctx, number)
        orders.cancel(ctx, number)
        assert dealers.get(ctx, "杭州代理商").credit_used == Decimal("0.00")
        assert stock.levels(ctx, "W1")[0]["reserved"] == 0
        paid = orders.create(ctx, "杭州代理商", "W1", [orders.Line("P1", 1)]).number
        orders.confirm(ctx, paid)
        orders.pay(ctx, paid, "100")
        with pytest.raises(ValidationError, match="has payments"):
            orders.cancel(ctx, paid)
    invariants(block3)


def test_stock_ledger_rules(block3: Block3) -> None:
    with block3.work("cm", write=True) as ctx:
        dealers.change(ctx, "杭州代理商", credit_limit="100000")
    number = draft(block3, 30)
    with block3.work("rep", write=True) as ctx:
        orders.confirm(ctx, number)
    with block3.work("cm", write=True) as ctx:
        with pytest.raises(ValidationError, match="not enough stock"):
            stock.adjust(ctx, "W1", "P1", -11, "盘点")  # 40 on hand, 30 reserved
        stock.adjust(ctx, "W1", "P1", -10, "盘点")
    for doing in (
        lambda ctx: stock.adjust(ctx, "W1", "P1", 5, "x"),
        lambda ctx: stock.receive(ctx, "W1", "P1", 3),
        lambda ctx: stock.receive(ctx, "W1", "P1", 3, kind="return", reason="退货"),
        lambda ctx: materials.receive(ctx, "POS", 3),
    ):
        with pytest.raises(PermissionDenied, match="stock-keeper"), block3.work("rep") as ctx:
            doing(ctx)
    with block3.work("admin", write=True) as ctx:
        users.add(ctx, "clerk", "仓管员", "sales", "渠道部")
        users.grant(ctx, "clerk", STOCK_KEEPER)
    with block3.work("clerk", write=True) as ctx:
        stock.receive(ctx, "W1", "P1", 3, kind="return", reason="退货")
        assert stock.levels(ctx, "W1")[0] == {
            "warehouse": "W1",
            "product": "P1",
            "name": "净水器",
            "on_hand": 33,
            "reserved": 30,
            "available": 3,
        }
    invariants(block3)


def test_visibility_and_dealer_rules(block3: Block3) -> None:
    number = draft(block3, 1)
    with block3.work("other") as ctx:
        assert orders.listing(ctx) == []
        with pytest.raises(NotFound):
            orders.get(ctx, number)
    with block3.work("cm", write=True) as ctx:
        customers.create(ctx, {"name": "普通客户"})
    with pytest.raises(ValidationError, match="kind agent"), block3.work("cm", write=True) as ctx:
        dealers.register(ctx, "普通客户", level="x", credit_limit="1")
    with block3.work("rep", write=True) as ctx:
        orders.confirm(ctx, number)
    with (
        pytest.raises(ValidationError, match="cannot go below"),
        block3.work("cm", write=True) as ctx,
    ):
        dealers.change(ctx, "杭州代理商", credit_limit="999")


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ops=st.lists(
        st.tuples(
            st.sampled_from(("order", "ship", "pay", "cancel", "adjust", "receive")),
            st.integers(1, 12),
            st.sampled_from(("杭州代理商", "宁波代理商")),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_stock_never_negative_and_credit_never_exceeded(
    block3: Block3, ops: list[tuple[str, int, str]]
) -> None:
    for op, n, dealer in ops:
        try:
            with block3.work("cm", write=True) as ctx:
                numbers = [o["number"] for o in orders.listing(ctx, limit=1000)]
                pick = numbers[n % len(numbers)] if numbers else None
                if op == "order":
                    number = orders.create(
                        ctx, dealer, "W1", [orders.Line("P1", n), orders.Line("P2", n)]
                    ).number
                    orders.confirm(ctx, number)
                elif op == "ship" and pick:
                    orders.ship(ctx, pick)
                elif op == "pay" and pick:
                    order = orders.get(ctx, pick)
                    orders.pay(ctx, pick, max(Decimal("0.01"), (order.total - order.paid) / 2))
                elif op == "cancel" and pick:
                    orders.cancel(ctx, pick)
                elif op == "adjust":
                    stock.adjust(ctx, "W1", "P1", -n, "盘点")
                elif op == "receive":
                    stock.receive(ctx, "W1", "P1", n)
        except ValidationError:
            pass
        invariants(block3)


def test_core_level_writes_are_audited(block3: Block3) -> None:
    """Conditional UPDATEs bypass the ORM's flush listener; the services audit them explicitly."""
    number = draft(block3, 2)
    with block3.work("rep", write=True) as ctx:
        orders.confirm(ctx, number)
        orders.ship(ctx, number)
        orders.pay(ctx, number, "2000")
    with block3.work("cm", write=True) as ctx:
        dealers.change(ctx, "杭州代理商", credit_limit="30000")
    with block3.work(SYSTEM) as ctx:
        order_id = str(orders.get(ctx, number).id)
        rows = ctx.session.execute(
            select(
                AuditEntry.entity, AuditEntry.field, AuditEntry.old_value, AuditEntry.new_value
            ).order_by(AuditEntry.id)
        ).all()
    statuses = [
        (old, new) for entity, field, old, new in rows if entity == "cc_order" and field == "status"
    ]
    assert statuses == [("draft", "confirmed"), ("confirmed", "shipped"), ("shipped", "paid")]
    credit = [
        new for entity, field, _, new in rows if entity == "cc_dealer" and field == "credit_used"
    ]
    assert credit == [f"+2000.00 (confirmed {number})", f"-2000.00 (paid {number})"]
    moves = [new for entity, _, _, new in rows if entity == "cc_stock_move"]
    assert any(m.startswith("shipment -2") for m in moves) and any(
        m.startswith("receipt +40") for m in moves
    )
    assert ("cc_dealer", "credit_limit", "20000.00", "30000.00") in rows
    assert order_id


def test_every_table_is_under_the_visibility_policy_or_says_why() -> None:
    from crm_channel_commerce.plugin import plugin
    from crm_core.contract.testing import assert_tables_scoped

    assert_tables_scoped(
        plugin,
        shared={
            "cc_warehouse": "the company's warehouses, which every order ships from",
            "cc_stock": "stock per warehouse and product: what any salesperson may promise",
            "cc_stock_move": "the stock ledger behind cc_stock, read by the same people",
            "cc_plan": "sales targets: a dealer's or a region's, published to the channel team",
            "cc_material": "the marketing materials in stock, issued to any dealer",
        },
    )


def test_a_dealers_rep_is_someone_the_manager_manages(crm_cli, crm_deployment) -> None:
    from crm_core.contract.testing import enable_plugins

    enable_plugins(crm_deployment, "channel_commerce")
    for args in (
        ("teams", "add", "渠道部"),
        ("teams", "add", "华南区"),
        ("users", "add", "qm", "--name", "渠道经理", "--role", "manager", "--team", "渠道部"),
        ("users", "add", "qs", "--name", "渠道业务员", "--team", "渠道部"),
        ("users", "add", "other", "--name", "别的团队", "--team", "华南区"),
    ):
        assert crm_cli(*args).exit_code == 0, args
    assert crm_cli("customers", "add", "某经销商", "--kind", "agent", as_login="qs").exit_code == 0
    added = crm_cli(
        "dealers",
        "add",
        "某经销商",
        "--level",
        "gold",
        "--credit-limit",
        "1000",
        "--rep",
        "qs",
        as_login="qm",
    )
    assert added.exit_code == 0, added.stderr
    refused = crm_cli("dealers", "change", "某经销商", "--rep", "other", as_login="qm")
    assert refused.exit_code == 1 and "may not make a dealer's rep for other" in refused.stderr
    listed = crm_cli("dealers", "list", "--format", "json", as_login="qm").json()
    assert [d["rep"] for d in listed] == ["qs"]
