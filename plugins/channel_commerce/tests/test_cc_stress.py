"""Concurrency: many threads confirming at once never oversell stock or overrun credit.

Fixed thread count, a time bound, on SQLite and PostgreSQL (crm_backend runs each test on both)."""

from __future__ import annotations

import random
import threading
import time
from decimal import Decimal

import pytest
from conftest import Block3
from sqlalchemy import func, select

from crm_channel_commerce.models import Dealer, DealerOrder, DealerOrderLine, Stock
from crm_channel_commerce.services import orders
from crm_core.foundation.errors import CrmError
from crm_core.hooks.actor import SYSTEM
from crm_core.kernel.models import Product

THREADS = 8
ORDERS_PER_THREAD = 6
TIME_BOUND_S = 120


def run_threads(target, count: int = THREADS) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def body(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            target(index)
        except BaseException as exc:  # collected and reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(count)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, TIME_BOUND_S - (time.monotonic() - started)))
    assert not any(t.is_alive() for t in threads), f"threads still running after {TIME_BOUND_S}s"
    return errors


@pytest.mark.crm_stress
def test_concurrent_confirmations_keep_stock_and_credit(block3: Block3) -> None:
    drafts: list[list[str]] = []
    rng = random.Random(7)
    for _ in range(THREADS):
        numbers = []
        for _ in range(ORDERS_PER_THREAD):
            with block3.work("rep", write=True) as ctx:
                numbers.append(
                    orders.create(
                        ctx, "杭州代理商", "W1", [orders.Line("P1", rng.randint(1, 4))]
                    ).number
                )
        drafts.append(numbers)
    confirmed: list[str] = []
    refused: list[str] = []
    lock = threading.Lock()

    def confirm_all(index: int) -> None:
        for number in drafts[index]:
            try:
                with block3.work("rep", write=True) as ctx:
                    orders.confirm(ctx, number)
                with lock:
                    confirmed.append(number)
            except CrmError:
                with lock:
                    refused.append(number)

    errors = run_threads(confirm_all)
    assert errors == []
    assert len(confirmed) + len(refused) == THREADS * ORDERS_PER_THREAD
    assert (
        refused
    )  # 48 orders of 1-4 units against 40 units and 20 units of credit: some must be refused
    with block3.work(SYSTEM) as ctx:
        item = ctx.session.scalars(
            select(Stock).join(Product, Product.id == Stock.product_id).where(Product.code == "P1")
        ).one()
        dealer = ctx.session.scalars(
            select(Dealer).where(Dealer.credit_limit == Decimal("20000.00"))
        ).one()
        reserved = ctx.session.scalar(
            select(func.sum(DealerOrderLine.quantity))
            .join(DealerOrder, DealerOrder.id == DealerOrderLine.order_id)
            .where(DealerOrder.status == "confirmed")
        )
        credit = ctx.session.scalar(
            select(func.sum(DealerOrder.total)).where(DealerOrder.status == "confirmed")
        )
    assert item is not None and 0 <= item.reserved <= item.on_hand == 40
    assert item.reserved == reserved
    assert dealer.credit_used == credit <= dealer.credit_limit


@pytest.mark.crm_stress
def test_one_order_confirmed_by_many_threads_at_once_is_confirmed_once(block3: Block3) -> None:
    with block3.work("rep", write=True) as ctx:
        number = orders.create(ctx, "杭州代理商", "W1", [orders.Line("P1", 3)]).number
    wins: list[int] = []

    def confirm(index: int) -> None:
        try:
            with block3.work("rep", write=True) as ctx:
                orders.confirm(ctx, number)
            wins.append(index)
        except CrmError:
            pass

    assert run_threads(confirm) == []
    assert len(wins) == 1
    with block3.work(SYSTEM) as ctx:
        assert (
            ctx.session.scalars(
                select(Stock)
                .join(Product, Product.id == Stock.product_id)
                .where(Product.code == "P1")
            )
            .one()
            .reserved
            == 3
        )  # type: ignore[union-attr]
        assert ctx.session.scalars(
            select(Dealer).where(Dealer.credit_limit == Decimal("20000.00"))
        ).one().credit_used == Decimal("3000.00")
