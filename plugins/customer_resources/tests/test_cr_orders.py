"""Orders, payment plans, payments, receivables: exact money and all-or-nothing writes."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from conftest import Block1
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from crm_core.foundation.errors import NotFound, ValidationError
from crm_core.hooks.actor import SYSTEM
from crm_core.services import customers
from crm_customer_resources.models import Installment, Order, OrderLine, Payment
from crm_customer_resources.services import orders


def _customer(block1: Block1, name: str = "订单客户", owner: str = "a") -> str:
    with block1.work(owner, write=True) as ctx:
        return str(customers.create(ctx, {"name": name}).id)


def test_order_total_plan_and_payments(block1: Block1) -> None:
    cid = _customer(block1)
    with block1.work("a", write=True) as ctx:
        order = orders.create(
            ctx,
            cid,
            [orders.LineRequest("P1", 2), orders.LineRequest("P2", 3, Decimal("35"))],
            ordered_on=date(2026, 11, 1),
            installments=3,
            every_days=10,
        )
        assert order.total == Decimal("2105.00")
        plan = orders.installments_of(ctx, order)
        assert [(i.due_on, i.amount) for i in plan] == [
            (date(2026, 11, 11), Decimal("701.66")),
            (date(2026, 11, 21), Decimal("701.66")),
            (date(2026, 12, 1), Decimal("701.68")),
        ]
        orders.pay(ctx, order.number, Decimal("800"))
        plan = orders.installments_of(ctx, order)
        assert [i.paid for i in plan] == [Decimal("701.66"), Decimal("98.34"), Decimal("0.00")]
        with pytest.raises(ValidationError, match="too much"):
            orders.pay(ctx, order.number, Decimal("1305.01"))
        orders.pay(ctx, order.number, Decimal("1305.00"))
        assert orders.get(ctx, order.number).status == "closed"
        with pytest.raises(ValidationError):
            orders.cancel(ctx, order.number)


def test_explicit_plan_must_add_up(block1: Block1) -> None:
    cid = _customer(block1)
    with pytest.raises(ValidationError, match="adds up to"), block1.work("a", write=True) as ctx:
        orders.create(
            ctx, cid, [orders.LineRequest("P1", 1)], plan=[(date(2026, 12, 1), Decimal("999"))]
        )
    with block1.work(SYSTEM) as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Order)) == 0


def test_bad_lines_write_nothing(block1: Block1) -> None:
    cid = _customer(block1)
    for lines in ([orders.LineRequest("NOPE", 1)], []):
        with pytest.raises((NotFound, ValidationError)), block1.work("a", write=True) as ctx:
            orders.create(ctx, cid, lines)
    for text in ("P1", "P1:0", "P1:x", ":3", "P1:2@abc"):
        with pytest.raises(ValidationError):
            orders.parse_line(text)
    assert orders.parse_line("P1:2@1899.5") == orders.LineRequest("P1", 2, Decimal("1899.50"))
    with block1.work(SYSTEM) as ctx:
        for model in (Order, OrderLine, Installment):
            assert ctx.session.scalar(select(func.count()).select_from(model)) == 0


def test_others_cannot_order_for_or_see_a_customer(block1: Block1) -> None:
    cid = _customer(block1)
    with pytest.raises(NotFound), block1.work("c", write=True) as ctx:
        orders.create(ctx, cid, [orders.LineRequest("P1", 1)])
    with block1.work("a", write=True) as ctx:
        number = orders.create(ctx, cid, [orders.LineRequest("P1", 1)]).number
    with block1.work("c") as ctx:
        assert orders.list_page(ctx) == []
        for model in (Order, OrderLine, Installment, Payment):
            assert ctx.session.scalar(select(func.count()).select_from(model)) == 0
        with pytest.raises(NotFound):
            orders.get(ctx, number)
    with block1.work("lead1") as ctx:  # the team lead sees it
        assert [o["number"] for o in orders.list_page(ctx)] == [number]
    with pytest.raises(NotFound), block1.work("b", write=True) as ctx:
        orders.cancel(ctx, number)


def test_cancel_releases_the_grade(block1: Block1) -> None:
    cid = _customer(block1)
    with block1.work("a", write=True) as ctx:
        customers.set_level(ctx, cid, "signed")
        order = orders.create(ctx, cid, [orders.LineRequest("P1", 60)])
        orders.cancel(ctx, order.number)
        assert orders.list_page(ctx)[0]["owed"] == Decimal("0.00")
    with pytest.raises(NotFound), block1.work("b", write=True) as ctx:
        orders.cancel(ctx, order.number)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    qty=st.integers(1, 50),
    parts=st.integers(1, 6),
    payments=st.lists(st.decimals(Decimal("0.01"), Decimal("30000"), places=2), max_size=8),
)
def test_payments_never_exceed_what_is_owed(
    block1: Block1, qty: int, parts: int, payments: list[Decimal]
) -> None:
    """Invariant: 0 <= paid <= amount on every installment, and paid + owed == total."""
    with block1.work("admin", write=True) as ctx:
        cid = str(
            customers.create(
                ctx, {"name": f"性质客户{qty}-{parts}-{len(payments)}-{ctx.now().timestamp()}"}
            ).id
        )
        order = orders.create(
            ctx, cid, [orders.LineRequest("P2", qty)], installments=parts, every_days=7
        )
        number = order.number
    for amount in payments:
        try:
            with block1.work("admin", write=True) as ctx:
                orders.pay(ctx, number, amount)
        except ValidationError:
            pass
    with block1.work("admin") as ctx:
        order = orders.get(ctx, number)
        plan = orders.installments_of(ctx, order)
        assert all(Decimal(0) <= i.paid <= i.amount for i in plan)
        paid = ctx.session.scalar(
            select(func.coalesce(func.sum(Payment.amount), 0)).where(Payment.order_id == order.id)
        )
        assert Decimal(paid) + orders.outstanding(ctx, order) == order.total
        assert sum(i.amount for i in plan) == order.total
        assert (order.status == "closed") == (orders.outstanding(ctx, order) == 0)
        assert all(i.due_on > order.ordered_on - timedelta(days=1) for i in plan)


def test_an_order_number_follows_the_highest_of_its_day_even_one_others_may_not_see(
    block1: Block1,
) -> None:
    """Numbers run per day across the deployment, past 9999 too (longer, not greater as text),
    and the unique index answers the day's prefix (code-point order on PostgreSQL)."""
    day = date(2026, 12, 4)
    mine, theirs = _customer(block1, "甲的客户"), _customer(block1, "丙的客户", owner="c")
    with block1.work("a", write=True) as ctx:
        first = orders.create(ctx, mine, [orders.LineRequest("P1", 1)], ordered_on=day).number
        ctx.session.execute(  # as if 9,997 more had been ordered that day
            update(Order).where(Order.number == first).values(number="SO20261204-9998")
        )
        assert (
            orders.create(
                ctx, mine, [orders.LineRequest("P1", 1)], ordered_on=day - timedelta(days=1)
            ).number
            == "SO20261203-0001"
        )
    with block1.work("c", write=True) as ctx:  # c sees none of a's orders
        numbers = [
            orders.create(ctx, theirs, [orders.LineRequest("P2", 1)], ordered_on=day).number
            for _ in range(3)
        ]
    assert numbers == ["SO20261204-9999", "SO20261204-10000", "SO20261204-10001"]
    assert first == "SO20261204-0001"
    with block1.work("admin") as ctx:
        connection = ctx.session.connection()
        if connection.dialect.name == "postgresql":
            collation = connection.exec_driver_sql(
                "SELECT collation_name FROM information_schema.columns "
                "WHERE table_name = 'cr_order' AND column_name = 'number'"
            ).scalar()
            assert collation == "C"
