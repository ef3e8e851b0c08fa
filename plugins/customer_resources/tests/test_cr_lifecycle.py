"""Levels, grades, picklists and the profile side table."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import Block1
from sqlalchemy import func, select

from crm_core.foundation.errors import PermissionDenied, ValidationError
from crm_core.hooks.actor import SYSTEM
from crm_core.kernel import lifecycle as rollout
from crm_core.kernel.models import AuditEntry
from crm_core.services import customers, interactions, picklists
from crm_customer_resources.models import CustomerProfile
from crm_customer_resources.services import lifecycle, orders


def test_first_interaction_makes_a_lead_contacted_and_is_audited(block1: Block1) -> None:
    with block1.work("a", write=True) as ctx:
        cid = customers.create(ctx, {"name": "甲客户"}).id
        assert customers.get(ctx, str(cid)).level == "lead"
        interactions.log(ctx, str(cid), "call")
        assert customers.get(ctx, str(cid)).level == "contacted"
        interactions.log(ctx, str(cid), "visit")
        assert customers.get(ctx, str(cid)).level == "contacted"
    with block1.work() as ctx:
        moves = ctx.session.execute(
            select(AuditEntry.old_value, AuditEntry.new_value).where(
                AuditEntry.entity == "crm_customer",
                AuditEntry.entity_id == str(cid),
                AuditEntry.field == "level",
            )
        ).all()
        assert moves == [("lead", "contacted")]
        profile = ctx.session.get(CustomerProfile, cid)
        assert profile is not None and profile.last_interaction_at is not None


def test_level_rules(block1: Block1) -> None:
    with block1.work("a", write=True) as ctx:
        cid = str(customers.create(ctx, {"name": "级别客户"}).id)
        customers.set_level(ctx, cid, "qualified")  # forward, skipping a step: allowed
        with pytest.raises(ValidationError, match="not in the customer_level picklist"):
            customers.set_level(ctx, cid, "vip")
    for target in ("contacted", "blacklist"):
        with pytest.raises(PermissionDenied), block1.work("a", write=True) as ctx:
            customers.set_level(ctx, cid, target)
    with block1.work("lead1", write=True) as ctx:
        customers.set_level(ctx, cid, "blacklist")
        customers.set_level(ctx, cid, "lead")


def test_grades_follow_order_totals_and_thresholds(block1: Block1) -> None:
    with block1.work("a", write=True) as ctx:
        cid = str(customers.create(ctx, {"name": "等级客户"}).id)
        orders.create(ctx, cid, [orders.LineRequest("P1", 20)])  # 20,000
        profile = ctx.session.get(CustomerProfile, int(cid))
        assert profile is not None and profile.grade is None  # not signed yet
        customers.set_level(ctx, cid, "signed")
        ctx.session.refresh(profile)
        assert profile.grade == 2  # 10,000 <= 20,000 < 50,000
        orders.create(ctx, cid, [orders.LineRequest("P1", 40)])  # 60,000 in all
        ctx.session.refresh(profile)
        assert profile.grade == 3
    with block1.work("admin", write=True) as ctx:
        ctx.settings.set("customer_resources.grade_thresholds", "1000,2000,3000,60000")
        lifecycle.recompute_grades(ctx, [int(cid)])
        assert ctx.session.get(CustomerProfile, int(cid)).grade == 5  # type: ignore[union-attr]
        with pytest.raises(ValidationError):
            ctx.settings.set("customer_resources.grade_thresholds", "5,4,3,2")
    with pytest.raises(PermissionDenied), block1.work("a", write=True) as ctx:
        lifecycle.set_grade(ctx, cid, 1)
    with block1.work("boss", write=True) as ctx:
        assert lifecycle.set_grade(ctx, cid, 1).effective_grade == 1
        assert lifecycle.set_grade(ctx, cid, None).effective_grade == 5
    assert (
        lifecycle.grade_for(
            Decimal("9999.99"), [Decimal(x) for x in (10000, 50000, 200000, 1000000)]
        )
        == 1
    )


def test_picklists_are_seeded_and_enforced(block1: Block1) -> None:
    with block1.work("a", write=True) as ctx:
        customers.create(ctx, {"name": "字典客户", "industry": "制造业", "region": "华东"})
        with pytest.raises(ValidationError, match="not in the industry picklist"):
            customers.create(ctx, {"name": "坏字典客户", "industry": "火星采矿"})
    with block1.work("admin", write=True) as ctx:
        picklists.add(ctx, "industry", "火星采矿", "Mars mining", "火星采矿")
    with block1.work("a", write=True) as ctx:
        customers.create(ctx, {"name": "火星客户", "industry": "火星采矿"})
    with block1.work("admin", write=True) as ctx:
        picklists.retire(ctx, "industry", "火星采矿")
    with block1.work("a", write=True) as ctx:
        # keeps its value, and updating other fields is fine; a new use is refused
        customers.update(ctx, "火星客户", {"notes": "仍可修改"})
        with pytest.raises(ValidationError):
            customers.create(ctx, {"name": "又一个火星客户", "industry": "火星采矿"})
    with pytest.raises(PermissionDenied), block1.work("a", write=True) as ctx:
        picklists.add(ctx, "region", "月球", "Moon", "月球")


def test_enabling_backfills_profiles_and_disabling_keeps_them(crm_deployment) -> None:
    with crm_deployment.work("admin", write=True) as ctx:
        for i in range(3):
            customers.create(ctx, {"name": f"早期客户{i}"})
    admin = crm_deployment.resolve_actor("admin")
    rollout.enable(crm_deployment, admin, ["customer_resources"])
    with crm_deployment.work(SYSTEM) as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(CustomerProfile)) == 3
    rollout.disable(crm_deployment, admin, "customer_resources")
    with crm_deployment.work("admin", write=True) as ctx:
        # the industry picklist the block seeded is the core's now: it stays in force
        customers.create(ctx, {"name": "停用时客户", "industry": "制造业"})
    rollout.enable(crm_deployment, admin, ["customer_resources"])
    with crm_deployment.work(SYSTEM) as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(CustomerProfile)) == 4


def test_segment_by_grade_and_the_core_filters(block1: Block1, crm_cli) -> None:
    with block1.work("a", write=True) as ctx:
        big = str(customers.create(ctx, {"name": "大客户", "industry": "制造业"}).id)
        small = str(customers.create(ctx, {"name": "小客户", "industry": "制造业"}).id)
        customers.create(ctx, {"name": "线索客户", "industry": "教育"})
        for cid, qty in ((big, 60), (small, 1)):
            customers.set_level(ctx, cid, "signed")
            orders.create(ctx, cid, [orders.LineRequest("P1", qty)])
    graded = crm_cli(
        "customers", "segment", "--grade", "3", "--format", "json", as_login="a"
    ).json()
    assert [r["name"] for r in graded] == ["大客户"]
    signed = crm_cli(
        "customers",
        "segment",
        "--level",
        "signed",
        "--industry",
        "制造业",
        "--format",
        "json",
        as_login="a",
    ).json()
    assert [(r["name"], r["grade"]) for r in signed] == [("大客户", 3), ("小客户", 1)]
    assert (
        crm_cli("customers", "segment", "--grade", "3", "--format", "json", as_login="c").json()
        == []
    )
