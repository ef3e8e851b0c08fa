"""Credit and stock under contention: a 1,000 limit, 100-unit orders confirmed by 64 threads (PostgreSQL)
or 8 processes (SQLite), with payments and cancellations interleaved.

The harness is proven first: the same checks catch a naive check-then-write confirmation.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from decimal import Decimal

import pytest
from conftest import Block3
from sqlalchemy import select, update

from crm_channel_commerce.models import Dealer, DealerOrder, Stock
from crm_channel_commerce.services import dealers, orders, stock
from crm_core.foundation.errors import CrmError
from crm_core.foundation.schema import table_of
from crm_core.hooks.actor import SYSTEM
from crm_core.kernel.models import Customer, Product
from crm_core.services import customers

LIMIT = Decimal("1000.00")
ORDERS = 64
DEALER = "压力测试代理商"
TIME_BOUND_S = 180


def prepare(block3: Block3) -> list[str]:
    """A dealer with a 1,000 limit and 64 drafts of 100 (two filters at 50) each."""
    with block3.work("rep", write=True) as ctx:
        customers.create(ctx, {"name": DEALER, "kind": "agent"})
    with block3.work("cm", write=True) as ctx:
        dealers.register(ctx, DEALER, level="二级", credit_limit=LIMIT)
        stock.receive(ctx, "W1", "P2", 1000)
    numbers = []
    with block3.work("rep", write=True) as ctx:
        for _ in range(ORDERS):
            numbers.append(orders.create(ctx, DEALER, "W1", [orders.Line("P2", 2)]).number)
    return numbers


def settle(block3: Block3, index: int, number: str) -> str:
    """Confirm one order; then pay a third of the confirmed ones and cancel another third, so
    credit is given back while others are still confirming."""
    try:
        with block3.work("rep", write=True) as ctx:
            orders.confirm(ctx, number)
    except CrmError as refusal:
        assert "credit limit exceeded" in str(refusal), refusal
        return "refused"
    with block3.work("rep", write=True) as ctx:
        if index % 3 == 0:
            orders.pay(ctx, number, "100")
            return "paid"
        if index % 3 == 1:
            orders.cancel(ctx, number)
            return "cancelled"
    return "held"


def exposure_problems(block3: Block3, outcomes: dict[str, str]) -> list[str]:
    """What is wrong with the dealer's credit after the run (empty: nothing)."""
    with block3.work(SYSTEM) as ctx:
        dealer = ctx.session.scalars(
            select(Dealer)
            .join(Customer, Customer.id == Dealer.customer_id)
            .where(Customer.name == DEALER)
        ).first()
        assert dealer is not None
        rows = ctx.session.execute(
            select(
                DealerOrder.number, DealerOrder.status, DealerOrder.total, DealerOrder.paid
            ).where(DealerOrder.customer_id == dealer.customer_id)
        ).all()
    open_credit = sum((t - p for _n, s, t, p in rows if s in ("confirmed", "shipped")), Decimal(0))
    held = sum(1 for o in outcomes.values() if o == "held")
    problems = []
    if dealer.credit_used != open_credit:
        problems.append(f"credit used {dealer.credit_used} but open orders owe {open_credit}")
    if open_credit > LIMIT:
        problems.append(f"exposure {open_credit} is over the limit {LIMIT}")
    if open_credit != held * Decimal(100):
        problems.append(f"{held} orders held, but the open credit is {open_credit}")
    if sum(1 for o in outcomes.values() if o != "refused") < LIMIT / 100:
        problems.append("fewer confirmations succeeded than the limit affords")
    return problems


def run_threads(count: int, body: Callable[[int], None]) -> None:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def start(index: int) -> None:
        try:
            barrier.wait(timeout=60)
            body(index)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(i,), daemon=True) for i in range(count)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, TIME_BOUND_S - (time.monotonic() - started)))
    assert not any(t.is_alive() for t in threads), f"still running after {TIME_BOUND_S}s"
    assert errors == [], errors[:3]


def naive_confirm(block3: Block3, number: str, barrier: threading.Barrier) -> None:
    """Check-then-write, as a first attempt would: read what is used, compare, write it back."""
    dealers_table = table_of(Dealer)
    with block3.work("rep", write=True) as ctx:
        order = orders.get(ctx, number)
        used = ctx.session.scalar(
            select(dealers_table.c.credit_used).where(
                dealers_table.c.customer_id == order.customer_id
            )
        )
        assert used is not None
        barrier.wait(timeout=30)  # everyone has read before anyone writes
        if used + order.total > LIMIT:
            raise CrmError("credit limit exceeded")
        ctx.session.execute(
            update(dealers_table)
            .where(dealers_table.c.customer_id == order.customer_id)
            .values(credit_used=used + order.total)
        )
        order.status = "confirmed"


@pytest.mark.crm_stress
@pytest.mark.crm_postgres_only
def test_the_harness_catches_a_naive_check_then_write(block3: Block3) -> None:
    numbers = prepare(block3)[:12]
    barrier = threading.Barrier(len(numbers))
    outcomes: dict[str, str] = {}

    def body(index: int) -> None:
        naive_confirm(block3, numbers[index], barrier)
        outcomes[numbers[index]] = "held"

    run_threads(len(numbers), body)
    problems = exposure_problems(block3, outcomes)
    assert any("over the limit" in p for p in problems), problems
    assert any("credit used" in p for p in problems), problems


@pytest.mark.crm_stress
def test_credit_is_never_exceeded_under_contention(block3: Block3, crm_backend: str) -> None:
    numbers = prepare(block3)
    outcomes: dict[str, str] = {}
    if crm_backend == "postgresql":
        watching = True
        peaks: list[Decimal] = []

        def watch() -> None:  # exposure as any reader sees it, while the threads run
            while watching:
                with block3.work(SYSTEM) as ctx:
                    peaks.append(
                        ctx.session.scalars(
                            select(Dealer.credit_used)
                            .join(Customer, Customer.id == Dealer.customer_id)
                            .where(Customer.name == DEALER)
                        ).one()
                    )
                time.sleep(0.005)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()

        def body(index: int) -> None:
            outcomes[numbers[index]] = settle(block3, index, numbers[index])

        run_threads(ORDERS, body)
        watching = False
        watcher.join(timeout=10)
        assert peaks and max(peaks) <= LIMIT
    else:
        outcomes = run_processes(block3, numbers)
    assert exposure_problems(block3, outcomes) == []
    assert "refused" in outcomes.values()  # 64 x 100 against 1,000: contention was real


PROCESS = textwrap.dedent(
    """
    import json, sys
    from crm_core.kernel.deployment import Deployment
    from crm_channel_commerce.services import orders
    from crm_core.foundation.errors import CrmError

    url, first, numbers = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
    deployment = Deployment(url)
    outcomes = {}
    for offset, number in enumerate(numbers):
        index = first + offset
        try:
            with deployment.work("rep", write=True) as ctx:
                orders.confirm(ctx, number)
        except CrmError as refusal:
            assert "credit limit exceeded" in str(refusal), refusal
            outcomes[number] = "refused"
            continue
        with deployment.work("rep", write=True) as ctx:
            if index % 3 == 0:
                orders.pay(ctx, number, "100")
                outcomes[number] = "paid"
            elif index % 3 == 1:
                orders.cancel(ctx, number)
                outcomes[number] = "cancelled"
            else:
                outcomes[number] = "held"
    deployment.dispose()
    print(json.dumps(outcomes))
    """
)


def run_processes(block3: Block3, numbers: list[str], count: int = 8) -> dict[str, str]:
    import json

    share = len(numbers) // count
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                PROCESS,
                block3.deployment.url,
                str(i * share),
                json.dumps(numbers[i * share : (i + 1) * share]),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(count)
    ]
    outcomes: dict[str, str] = {}
    for process in processes:
        out, err = process.communicate(timeout=TIME_BOUND_S)
        assert process.returncode == 0, err.strip().splitlines()[-1:]
        outcomes.update(json.loads(out))
    return outcomes


@pytest.mark.crm_stress
def test_stock_never_goes_negative_under_50_reservations_and_receipts(block3: Block3) -> None:
    """10 on hand; 50 orders of one unit confirmed at once while 5 receipts of 2 arrive."""
    from crm_core.services import products

    with block3.work("admin", write=True) as ctx:
        products.add(ctx, "P3", "紧俏件", price=Decimal("10.00"))
        stock.receive(ctx, "W1", "P3", 10)
    with block3.work("rep", write=True) as ctx:
        numbers = [
            orders.create(ctx, "杭州代理商", "W1", [orders.Line("P3", 1)]).number for _ in range(50)
        ]
    confirmed: list[str] = []
    refused: list[str] = []

    def body(index: int) -> None:
        if index >= 50:
            with block3.work("cm", write=True) as ctx:
                stock.receive(ctx, "W1", "P3", 2)
            return
        try:
            with block3.work("rep", write=True) as ctx:
                orders.confirm(ctx, numbers[index])
            confirmed.append(numbers[index])
        except CrmError as refusal:
            assert "not enough P3" in str(refusal), refusal
            refused.append(numbers[index])

    run_threads(55, body)
    with block3.work(SYSTEM) as ctx:
        on_hand, reserved = ctx.session.execute(
            select(Stock.on_hand, Stock.reserved)
            .join(Product, Product.id == Stock.product_id)
            .where(Product.code == "P3")
        ).one()
    assert (on_hand, len(confirmed) + len(refused)) == (20, 50)
    assert 0 <= reserved == len(confirmed) <= on_hand
    assert len(confirmed) >= 10 and refused  # the first 10 always fit; 50 never do
