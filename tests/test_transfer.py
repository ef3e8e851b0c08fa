"""Transfers: all or nothing, and nothing lost (property-based)."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from crm_core.foundation.errors import PluginHookError
from crm_core.hooks.actor import SYSTEM
from crm_core.kernel import lifecycle
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import Contact, Customer, Interaction, OwnershipPeriod, User
from crm_core.services import contacts, customers, interactions, transfer, users
from crm_test_plugin.models import Note

SELLERS = ["s1", "s2", "s3"]


def _prepare(deployment: Deployment) -> None:
    lifecycle.enable(deployment, deployment.resolve_actor("admin"), ["test_plugin"])
    with deployment.work("admin", write=True) as ctx:
        for login in SELLERS:
            users.add(ctx, login, f"销售{login}")


def _snapshot(deployment: Deployment) -> dict[int, tuple[int | None, int, int, int]]:
    """customer id -> (owner, contacts, interactions, notes), read with system rights."""
    with deployment.work(SYSTEM) as ctx:
        s = ctx.session

        def counts(model: type) -> dict[int, int]:
            return dict(
                s.execute(select(model.customer_id, func.count()).group_by(model.customer_id)).all()
            )

        c, i, n = counts(Contact), counts(Interaction), counts(Note)
        return {
            cid: (owner, c.get(cid, 0), i.get(cid, 0), n.get(cid, 0))
            for cid, owner in s.execute(select(Customer.id, Customer.owner_id))
        }


customer_plan = st.lists(
    st.tuples(st.sampled_from(SELLERS), st.integers(0, 3), st.integers(0, 3)),
    min_size=0,
    max_size=8,
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=customer_plan, source=st.sampled_from(SELLERS), target=st.sampled_from(SELLERS))
def test_transfer_everything_loses_nothing(
    crm_deployment: Deployment, plan: list[tuple[str, int, int]], source: str, target: str
) -> None:
    if not crm_deployment.enabled_names():
        _prepare(crm_deployment)
    for owner, n_contacts, n_calls in plan:
        with crm_deployment.work(owner, write=True) as ctx:
            cid = str(customers.create(ctx, {"name": f"客户-{uuid.uuid4().hex[:10]}"}).id)
            for k in range(n_contacts):
                contacts.add(ctx, cid, f"联系人{k}")
            for _ in range(n_calls):
                interactions.log(ctx, cid, "call")
    before = _snapshot(crm_deployment)
    with crm_deployment.work("admin") as ctx:
        ids = {login: uid for login, uid in ctx.session.execute(select(User.login, User.id))}
    with crm_deployment.work("admin", write=True) as ctx:
        result = transfer.transfer_all(ctx, source, target)
    after = _snapshot(crm_deployment)

    assert set(after) == set(before)  # no customer appears or disappears
    moved = {cid for cid, row in before.items() if row[0] == ids[source]}
    for cid, (owner, *rest) in before.items():
        new_owner, *new_rest = after[cid]
        assert new_rest == rest  # contacts, interactions, notes all still there
        assert new_owner == (ids[target] if cid in moved else owner)
    if source != target:
        assert set(result.customer_ids) == moved
    with crm_deployment.work(SYSTEM) as ctx:
        for cid in moved:
            open_periods = ctx.session.scalars(
                select(OwnershipPeriod.owner_id).where(
                    OwnershipPeriod.customer_id == cid, OwnershipPeriod.ended_at.is_(None)
                )
            ).all()
            assert open_periods == [ids[target]]


def test_failing_plugin_rolls_the_transfer_back(crm_deployment: Deployment) -> None:
    _prepare(crm_deployment)
    with crm_deployment.work("s1", write=True) as ctx:
        cid = customers.create(ctx, {"name": "不能移交公司"}).id
    before = _snapshot(crm_deployment)
    with (
        pytest.raises(PluginHookError, match="test_plugin"),
        crm_deployment.work("admin", write=True) as ctx,
    ):
        transfer.transfer_customers(ctx, [str(cid)], "s2", reason="explode")
    assert _snapshot(crm_deployment) == before
    with crm_deployment.work(SYSTEM) as ctx:
        periods = ctx.session.scalars(
            select(OwnershipPeriod).where(OwnershipPeriod.customer_id == cid)
        ).all()
        assert len(periods) == 1 and periods[0].ended_at is None


def test_plugins_report_what_they_moved(crm_deployment: Deployment) -> None:
    _prepare(crm_deployment)
    with crm_deployment.work("s1", write=True) as ctx:
        cid = str(customers.create(ctx, {"name": "统计公司"}).id)
        contacts.add(ctx, cid, "张三")
    with crm_deployment.work("admin", write=True) as ctx:
        result = transfer.transfer_customers(ctx, [cid], "s2")
    assert result.moved == {
        "customers": 1,
        "contacts": 1,
        "interactions": 0,
        "open follow-ups": 0,
        "notes": 1,
    }
