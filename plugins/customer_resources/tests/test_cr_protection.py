"""Customer protection: claiming, concurrent claims, expiry to the pool, and transfers."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from conftest import Block1
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from crm_core.features.reports import engine as reports
from crm_core.foundation.errors import CrmError, DuplicateError, NotFound, ValidationError
from crm_core.foundation.schema import table_of
from crm_core.hooks.actor import SYSTEM
from crm_core.kernel.models import AuditEntry, Customer, OwnershipPeriod, User
from crm_core.services import customers, interactions, transfer
from crm_customer_resources.models import CustomerProfile, Installment, Order, Payment
from crm_customer_resources.services import orders, protection


def _pool_customer(block1: Block1, name: str = "公海线索") -> str:
    with block1.work(SYSTEM, write=True) as ctx:
        return str(customers.create(ctx, {"name": name}, pool=True).id)


def _owner(block1: Block1, cid: str) -> int | None:
    with block1.work(SYSTEM) as ctx:
        return ctx.session.scalar(
            select(table_of(Customer).c.owner_id).where(table_of(Customer).c.id == int(cid))
        )


def _age(block1: Block1, cid: str, days: int) -> None:
    """Pretend the last activity on `cid` was `days` ago."""
    with block1.work(SYSTEM, write=True) as ctx:
        ctx.session.execute(
            update(table_of(CustomerProfile))
            .where(table_of(CustomerProfile).c.customer_id == int(cid))
            .values(last_activity_at=ctx.now() - timedelta(days=days))
        )


def test_claim_protects_the_customer(block1: Block1) -> None:
    cid = _pool_customer(block1)
    with block1.work("a", write=True) as ctx:
        protection.claim(ctx, cid)
    with pytest.raises(NotFound, match=r"^No customer"), block1.work("c") as ctx:
        customers.get(ctx, cid)  # held by someone else: as if it did not exist
    with pytest.raises(NotFound, match=r"^No customer"), block1.work("c", write=True) as ctx:
        protection.claim(ctx, cid)
    with pytest.raises(DuplicateError, match="业务员甲"), block1.work("c", write=True) as ctx:
        customers.create(ctx, {"name": "公海线索"})
    with (
        pytest.raises(ValidationError, match="already held"),
        block1.work("boss", write=True) as ctx,
    ):
        protection.claim(ctx, cid)


def test_concurrent_claims_have_one_winner(block1: Block1) -> None:
    cid = _pool_customer(block1)
    winners: list[str] = []
    losers: list[str] = []
    barrier = threading.Barrier(3)

    def claim(login: str) -> None:
        barrier.wait(timeout=10)
        try:
            with block1.work(login, write=True) as ctx:
                protection.claim(ctx, cid)
            winners.append(login)
        except CrmError:
            losers.append(login)

    threads = [threading.Thread(target=claim, args=(login,)) for login in ("a", "b", "c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(winners) == 1 and len(losers) == 2
    with block1.work(SYSTEM) as ctx:
        winner_id = ctx.session.scalar(select(User.id).where(User.login == winners[0]))
        periods = ctx.session.scalars(
            select(OwnershipPeriod.owner_id)
            .where(OwnershipPeriod.customer_id == int(cid))
            .order_by(OwnershipPeriod.id)
        ).all()
    assert _owner(block1, cid) == winner_id
    assert periods == [None, winner_id]


def test_protection_expires_without_contact_and_is_audited(block1: Block1) -> None:
    with block1.work("a", write=True) as ctx:
        stale = str(customers.create(ctx, {"name": "久未联系客户"}).id)
        fresh = str(customers.create(ctx, {"name": "常联系客户"}).id)
        signed = str(customers.create(ctx, {"name": "已签约客户"}).id)
        customers.set_level(ctx, signed, "signed")
    for cid in (stale, fresh, signed):
        _age(block1, cid, 40)
    with block1.work("a", write=True) as ctx:
        interactions.log(ctx, fresh, "call")  # contact renews protection
    with pytest.raises(CrmError, match="manager"), block1.work("a", write=True) as ctx:
        protection.expire(ctx, ctx.today())
    with block1.work("boss", write=True) as ctx:
        result = protection.expire(ctx, ctx.today())
    assert result.released == (int(stale),)
    assert (
        _owner(block1, stale) is None
        and _owner(block1, fresh) is not None
        and _owner(block1, signed) is not None
    )
    with block1.work(SYSTEM) as ctx:
        audit = ctx.session.execute(
            select(AuditEntry.action, AuditEntry.field, AuditEntry.new_value).where(
                AuditEntry.entity == "crm_customer",
                AuditEntry.entity_id == stale,
                AuditEntry.action == "transfer",
            )
        ).all()
        reason = ctx.session.scalar(
            select(OwnershipPeriod.reason).where(
                OwnershipPeriod.customer_id == int(stale), OwnershipPeriod.ended_at.is_(None)
            )
        )
    assert audit == [("transfer", "owner_id", None)]
    assert reason is not None and reason.startswith("protection expired")
    with block1.work("c", write=True) as ctx:  # back in the pool: anyone may claim it
        protection.claim(ctx, stale)


def test_release_and_rights(block1: Block1) -> None:
    with block1.work("a", write=True) as ctx:
        cid = str(customers.create(ctx, {"name": "放弃的客户"}).id)
    with pytest.raises(NotFound), block1.work("b", write=True) as ctx:
        protection.release(ctx, cid)
    with block1.work("a", write=True) as ctx:
        protection.release(ctx, cid)
    assert _owner(block1, cid) is None
    with (
        pytest.raises(ValidationError, match="already in the pool"),
        block1.work("a", write=True) as ctx,
    ):
        protection.release(ctx, cid)


def test_transfer_moves_open_orders_and_keeps_past_sales_with_the_old_owner(block1: Block1) -> None:
    with block1.work("a", write=True) as ctx:
        cid = str(customers.create(ctx, {"name": "移交客户"}).id)
        closed = orders.create(ctx, cid, [orders.LineRequest("P1", 1)])
        orders.pay(ctx, closed.number, Decimal("1000"))
        still_open = orders.create(ctx, cid, [orders.LineRequest("P1", 2)])
    with block1.work("lead1", write=True) as ctx:
        result = transfer.transfer_all(ctx, "a", "b")
    assert result.moved["orders still owed"] == 1 and result.moved["receivables"] == 1
    with block1.work(SYSTEM) as ctx:
        moved = ctx.session.scalars(
            select(AuditEntry.entity_id).where(
                AuditEntry.entity == "cr_order", AuditEntry.action == "transfer"
            )
        ).all()
        assert moved == [
            str(ctx.session.scalar(select(Order.id).where(Order.number == still_open.number)))
        ]
    with block1.work("boss") as ctx:
        owners = dict(
            ctx.session.execute(
                select(Order.number, User.login).join(User, User.id == Order.owner_id)
            ).all()
        )
        assert owners == {closed.number: "a", still_open.number: "b"}
        by_person = {
            r["salesperson"]: r["amount"]
            for r in reports.run(ctx, "sales", {"by": "salesperson"}).records()
        }
        assert by_person == {"a": Decimal("1000.00"), "b": Decimal("2000.00")}


SELLERS = ("a", "b", "c")


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    plan=st.lists(
        st.tuples(st.sampled_from(SELLERS), st.integers(0, 2), st.booleans()), max_size=6
    ),
    source=st.sampled_from(SELLERS),
    target=st.sampled_from(SELLERS),
)
def test_transfer_loses_no_order_installment_or_payment(
    block1: Block1, plan: list[tuple[str, int, bool]], source: str, target: str
) -> None:
    for owner, n_orders, pay in plan:
        with block1.work(owner, write=True) as ctx:
            cid = str(customers.create(ctx, {"name": f"客户-{uuid.uuid4().hex[:10]}"}).id)
            for _ in range(n_orders):
                order = orders.create(ctx, cid, [orders.LineRequest("P2", 3)], installments=2)
                if pay:
                    orders.pay(ctx, order.number, Decimal("50"))

    def snapshot() -> dict[str, object]:
        with block1.work(SYSTEM) as ctx:
            return {
                "orders": ctx.session.execute(
                    select(Order.id, Order.customer_id, Order.total, Order.status).order_by(
                        Order.id
                    )
                ).all(),
                "installments": ctx.session.execute(
                    select(Installment.id, Installment.amount, Installment.paid).order_by(
                        Installment.id
                    )
                ).all(),
                "payments": ctx.session.scalar(select(func.coalesce(func.sum(Payment.amount), 0))),
            }

    before = snapshot()
    with block1.work("boss", write=True) as ctx:
        transfer.transfer_all(ctx, source, target)
    assert snapshot() == before
    with block1.work(SYSTEM) as ctx:
        source_id = ctx.session.scalar(select(User.id).where(User.login == source))
        open_left = ctx.session.scalar(
            select(func.count())
            .select_from(Order)
            .join(Customer, Customer.id == Order.customer_id)
            .where(Customer.owner_id == source_id, Order.status == "open")
        )
    assert open_left == 0 or source == target
