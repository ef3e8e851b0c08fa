"""Block 1 in customization: rules on overdue orders, a plugin action, ERP sync, custom fields on orders."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import Block1
from sqlalchemy import func, select

from crm_core.features.rules.store import RuleSpec, add, sweep
from crm_core.features.sync.exchange import export, import_items
from crm_core.foundation.errors import ValidationError
from crm_core.hooks.actor import SYSTEM
from crm_core.kernel.models import Customer, FollowUp
from crm_core.services import custom_fields, customers
from crm_customer_resources.models import Order, Payment
from crm_customer_resources.services import orders


def _order(block1: Block1, login: str, name: str, *, due: date) -> str:
    with block1.work(login, write=True) as ctx:
        customer = customers.create(ctx, {"name": name})
        order = orders.create(
            ctx,
            str(customer.id),
            [orders.LineRequest("P1", 1)],
            plan=[(due, Decimal("1000.00"))],
            ordered_on=due - timedelta(days=30),
        )
        return order.number


def test_overdue_sweep_fires_rules_once_per_day(block1: Block1) -> None:
    today = date(2026, 11, 20)
    late = _order(block1, "a", "逾期客户", due=today - timedelta(days=1))
    _order(block1, "a", "未到期客户", due=today + timedelta(days=5))
    with block1.work("admin", write=True) as ctx:
        add(ctx, RuleSpec("逾期催款", "order.overdue", "follow-up 0 催收逾期款"))
        assert sweep(ctx, today) == {"order.overdue": 1}
        assert sweep(ctx, today) == {"order.overdue": 0}  # the same day again: nothing twice
    with block1.work("a") as ctx:
        follow = ctx.session.scalars(select(FollowUp)).one()
        assert follow.text == "催收逾期款" and follow.rule == "逾期催款"
        order = orders.get(ctx, late)
        assert follow.customer_id == order.customer_id


def test_plugin_action_releases_to_pool(block1: Block1) -> None:
    with block1.work("admin", write=True) as ctx:
        add(
            ctx,
            RuleSpec(
                "黑名单回公海", "customer.level_changed", "release-to-pool", ("level=qualified",)
            ),
        )
        with pytest.raises(ValidationError):
            add(ctx, RuleSpec("x", "customer.level_changed", "release-to-pool", ("colour=red",)))
    with block1.work("a", write=True) as ctx:
        customer = customers.create(ctx, {"name": "将流失客户"})
        customers.set_level(ctx, customer.id, "qualified")
    with block1.work(SYSTEM) as ctx:
        assert ctx.session.get(Customer, customer.id).owner_id is None


def test_erp_sync_round_trip_is_idempotent(block1: Block1, tmp_path: Path) -> None:
    today = date.today()
    first = _order(block1, "a", "ERP客户甲", due=today + timedelta(days=10))
    second = _order(block1, "b", "ERP客户乙", due=today + timedelta(days=10))
    with block1.work("a", write=True) as ctx:
        out = tmp_path / "out.json"
        counts = export(ctx, ctx.now() - timedelta(hours=1), out)
    document = json.loads(out.read_text(encoding="utf-8"))
    assert counts["orders"] == 1 and document["kinds"]["orders"][0]["number"] == first

    items = [
        {"kind": "payment", "id": "ERP-P-1", "order": first, "amount": "400.00"},
        {"kind": "order_status", "id": "ERP-S-2", "order": second, "status": "cancelled"},
    ]
    with block1.work("admin", write=True) as ctx:
        result = import_items(ctx, items)
    assert result.applied == {"payment": 1, "order_status": 1}
    with block1.work("admin", write=True) as ctx:
        again = import_items(ctx, items)
    assert again.applied == {} and again.unchanged == 2
    with block1.work(SYSTEM) as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Payment)) == 1
        assert ctx.session.scalar(select(Order.status).where(Order.number == second)) == "cancelled"
    # one bad item refuses the whole file
    bad = [
        {"kind": "payment", "id": "ERP-P-2", "order": first, "amount": "100.00"},
        {"kind": "payment", "id": "ERP-P-3", "order": first, "amount": "99999.00"},
    ]
    with pytest.raises(ValidationError, match="ERP-P-3"), block1.work("admin", write=True) as ctx:
        import_items(ctx, bad)
    with block1.work(SYSTEM) as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Payment)) == 1
    with block1.work("a", write=True) as ctx:
        changed = export(ctx, ctx.now() - timedelta(minutes=5), out, ["orders"])
    assert changed == {"orders": 1}
    assert (
        json.loads(out.read_text(encoding="utf-8"))["kinds"]["orders"][0]["outstanding"] == "600.00"
    )


def test_custom_field_on_a_plugin_entity(block1: Block1) -> None:
    number = _order(block1, "a", "合同客户", due=date.today() + timedelta(days=3))
    with block1.work("admin", write=True) as ctx:
        custom_fields.define(ctx, "orders", "contract_no", "text", label_zh="合同编号")
    with block1.work("a", write=True) as ctx:
        order = orders.get(ctx, number)
        custom_fields.set_values(ctx, "orders", order.id, {"合同编号": "HT-2026-001"})
        assert custom_fields.values_for(ctx, "orders", [order.id])[order.id] == {
            "contract_no": "HT-2026-001"
        }
    with block1.work("c") as ctx:  # another team: neither the order nor its value
        assert custom_fields.values_for(ctx, "orders", [order.id]) == {}


@pytest.mark.parametrize(
    ("action", "reason"),
    [
        ("set level=prospect", "not in the customer_level picklist"),
        ("change-level prospect", "not in the customer_level picklist"),
        ("set kind=dealer", "not in the customer_kind picklist"),
    ],
)
def test_a_rule_whose_action_no_write_could_do_is_refused_when_added(
    block1: Block1, action: str, reason: str
) -> None:
    with pytest.raises(ValidationError, match=reason), block1.work("admin", write=True) as ctx:
        add(ctx, RuleSpec("展会客户升级", "customer.created", action))
    with block1.work("admin", write=True) as ctx:
        add(ctx, RuleSpec("展会客户升级", "customer.created", "set level=qualified"))
    with block1.work("a", write=True) as ctx:  # the rule works on every registration
        customer = customers.create(ctx, {"name": "展会来的客户"})
        assert customer.level == "qualified"
