"""Registering and changing customers: duplicates, normalisation, levels, audit, paging."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm_core.foundation.errors import DuplicateError, PermissionDenied, ValidationError
from crm_core.foundation.normalize import name_key, phone_key
from crm_core.hooks.actor import SYSTEM
from crm_core.kernel import lifecycle
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import AuditEntry, Customer, OwnershipPeriod
from crm_core.services import customers, users
from crm_test_plugin import plugin as test_plugin
from tests.conftest import Org


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("北京华远科技有限公司", "北京华远科技"),
        ("北京 华远科技（有限公司）", "北京华远科技股份有限公司"),
        ("ＡＢＣ Trading Co., Ltd.", "abc trading"),
        ("Acme Inc.", "ACME"),
    ],
)
def test_names_that_mean_the_same_company_share_a_key(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


def test_different_companies_keep_different_keys() -> None:
    assert name_key("北京华远科技") != name_key("上海华远科技")


def test_phone_keys() -> None:
    assert phone_key("+86 138-0013-8000") == phone_key("13800138000") == "13800138000"
    assert phone_key("0086 13800138000") == "13800138000"
    assert phone_key("021-6123 4567") == "02161234567"
    assert phone_key("+86 571 8765 4321") == phone_key("0571-8765 4321") == "057187654321"
    assert phone_key("+86 10 6512 3456") == phone_key("010-65123456")
    assert phone_key("+86 (0)21 6123 4567") == "02161234567"
    assert phone_key("6123 4567") == "61234567"
    assert phone_key("  ") is None
    with pytest.raises(ValidationError):
        phone_key("12")


def test_duplicate_name_is_refused_naming_the_owner(org: Org) -> None:
    with pytest.raises(DuplicateError) as caught, org.work("south_sales", write=True) as ctx:
        customers.create(ctx, {"name": "sh_sales2 的客户 有限公司"})
    assert "上海销售二 (sh_sales2)" in str(caught.value)


def test_duplicate_phone_is_refused_even_when_unseen(org: Org) -> None:
    with org.work("sh_sales1", write=True) as ctx:
        customers.create(ctx, {"name": "电话公司", "phone": "138 0013 8000"})
    with pytest.raises(DuplicateError) as caught, org.work("south_sales", write=True) as ctx:
        customers.create(ctx, {"name": "完全不同的名字", "phone": "+86-13800138000"})
    message = str(caught.value)
    assert "phone is already registered" in message and "sh_sales1" in message
    assert "电话公司" not in message  # the holder is named, never the hidden customer


def test_pool_duplicate_says_pool(org: Org) -> None:
    with pytest.raises(DuplicateError, match="pool"), org.work("south_sales", write=True) as ctx:
        customers.create(ctx, {"name": "公海客户"})


def test_bad_input_writes_nothing(crm_deployment: Deployment) -> None:
    for values in ({"name": "  "}, {"name": "X", "kind": "alien"}, {"name": "Y", "phone": "1"}):
        with pytest.raises(ValidationError), crm_deployment.work("admin", write=True) as ctx:
            customers.create(ctx, values)
    with crm_deployment.work(SYSTEM) as ctx:
        assert ctx.session.scalars(select(Customer)).all() == []


def test_update_is_audited_field_by_field(org: Org) -> None:
    cid = org.customer_of["sh_sales1"]
    with org.work("sh_sales1", write=True) as ctx:
        customers.update(ctx, str(cid), {"industry": "制造业", "region": "上海"})
    with org.work("admin") as ctx:
        rows = ctx.session.execute(
            select(
                AuditEntry.field, AuditEntry.old_value, AuditEntry.new_value, AuditEntry.actor_id
            )
            .where(
                AuditEntry.entity == "crm_customer",
                AuditEntry.entity_id == str(cid),
                AuditEntry.action == "update",
            )
            .order_by(AuditEntry.field)
        ).all()
    sales1 = org.deployment.resolve_actor("sh_sales1").id
    assert rows == [("industry", None, "制造业", sales1), ("region", None, "上海", sales1)]


def test_sales_may_not_edit_the_pool_owner_field_or_others(org: Org) -> None:
    with pytest.raises(ValidationError), org.work("sh_sales1", write=True) as ctx:
        customers.update(ctx, str(org.customer_of["sh_sales1"]), {"owner_id": 1})
    with pytest.raises(PermissionDenied), org.work("sh_sales1", write=True) as ctx:
        customers.update(ctx, str(org.customer_of["pool"]), {"notes": "mine now"})


def test_rename_into_an_existing_name_is_refused(org: Org) -> None:
    with pytest.raises(DuplicateError), org.work("admin", write=True) as ctx:
        customers.update(ctx, str(org.customer_of["sh_sales1"]), {"name": "公海客户"})


def test_level_change_fires_hooks_in_order(crm_deployment: Deployment) -> None:
    lifecycle.enable(crm_deployment, crm_deployment.resolve_actor("admin"), ["test_plugin"])
    with crm_deployment.work("admin", write=True) as ctx:
        cid = customers.create(ctx, {"name": "级别公司"}).id
        test_plugin.CALLS.clear()
        customers.set_level(ctx, str(cid), "contacted")
    # Registries (picklists ...) are consulted as needed; the events come in this order.
    names = [name for name, _ in test_plugin.CALLS if not name.startswith("crm_register_")]
    assert names == [
        "crm_validate_customer_changes",
        "crm_customers_updated",
        "crm_customer_level_changed",
    ]
    assert test_plugin.CALLS[-1][1] == (cid, "lead", "contacted")


def test_managers_register_for_their_subtree_only(org: Org) -> None:
    with org.work("sh_mgr", write=True) as ctx:
        created = customers.create(ctx, {"name": "组长代登记"}, owner_login="sh_sales2")
        assert created.owner_id == org.deployment.resolve_actor("sh_sales2").id
    with pytest.raises(PermissionDenied), org.work("sh_mgr", write=True) as ctx:
        customers.create(ctx, {"name": "越权登记"}, owner_login="south_sales")


def test_registration_opens_an_ownership_period(org: Org) -> None:
    with org.work("admin") as ctx:
        periods = ctx.session.scalars(
            select(OwnershipPeriod).where(OwnershipPeriod.customer_id == org.customer_of["pool"])
        ).all()
    assert [(p.owner_id, p.ended_at, p.reason) for p in periods] == [(None, None, "registered")]


def test_keyset_pages_cover_everything_once(crm_deployment: Deployment) -> None:
    with crm_deployment.work("admin", write=True) as ctx:
        users.add(ctx, "pager", "Pager")
        for i in range(23):
            customers.create(ctx, {"name": f"分页客户{i:02d}"}, owner_login="pager")
    seen: list[int] = []
    after = 0
    with crm_deployment.work("admin") as ctx:
        while page := customers.list_page(
            ctx, customers.CustomerFilter(owner_login="pager"), after_id=after, limit=5
        ):
            seen += [c.id for c, _ in page]
            after = page[-1][0].id
    assert len(seen) == 23 and seen == sorted(set(seen))


def test_search_finds_by_part_of_name_or_phone(org: Org) -> None:
    with org.work("admin", write=True) as ctx:
        customers.create(ctx, {"name": "杭州百分百_科技", "phone": "0571-88886666"})
        found = customers.list_page(ctx, customers.CustomerFilter(name_contains="百分百_"))
        assert [c.name for c, _ in found] == ["杭州百分百_科技"]
        by_phone = customers.list_page(ctx, customers.CustomerFilter(name_contains="8888"))
        assert len(by_phone) == 1
        assert customers.list_page(ctx, customers.CustomerFilter(name_contains="%")) == []
