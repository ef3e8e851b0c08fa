"""Roles x operations: who sees which customer, through every way of reading.

The expected visibility comes from the policy's statement: admins see all; a manager sees what
people in their team's subtree own; a salesperson sees their own; everyone sees the pool.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import aliased

from crm_core.features.imports import service as importing
from crm_core.features.reports import engine as reports
from crm_core.foundation.errors import NotFound, PermissionDenied
from crm_core.foundation.spreadsheets.reading import read_all
from crm_core.hooks.actor import Actor
from crm_core.kernel.models import Customer, Interaction, User
from crm_core.kernel.visibility import PROBE_CUSTOMERS
from crm_core.services import contacts, customers, transfer
from tests.conftest import Org

ALL = {"sh_sales1", "sh_sales2", "east_sales", "south_sales", "sh_mgr", "pool"}
EXPECTED = {
    "admin": ALL,
    "boss": ALL,
    "east_mgr": {"sh_sales1", "sh_sales2", "east_sales", "sh_mgr", "pool"},
    "sh_mgr": {"sh_sales1", "sh_sales2", "sh_mgr", "pool"},
    "south_mgr": {"south_sales", "pool"},
    "sh_sales1": {"sh_sales1", "pool"},
    "sh_sales2": {"sh_sales2", "pool"},
    "east_sales": {"east_sales", "pool"},
    "south_sales": {"south_sales", "pool"},
}
ACTORS = sorted(EXPECTED)


def visible_ids(org: Org, login: str) -> set[int]:
    return {org.customer_of[k] for k in EXPECTED[login]}


@pytest.mark.parametrize("login", ACTORS)
def test_list_count_and_get(org: Org, login: str) -> None:
    expected = visible_ids(org, login)
    with org.work(login) as ctx:
        listed = {c.id for c, _ in customers.list_page(ctx, customers.CustomerFilter(), limit=100)}
        assert listed == expected
        assert ctx.session.scalar(select(func.count()).select_from(Customer)) == len(expected)
        by_owner = ctx.session.execute(
            select(Customer.owner_id, func.count()).group_by(Customer.owner_id)
        ).all()
        assert sum(n for _, n in by_owner) == len(expected)
        for key, cid in org.customer_of.items():
            if cid in expected:
                assert customers.get(ctx, str(cid)).id == cid
            else:
                with pytest.raises(NotFound, match=f"^No customer {cid}\\.$"):
                    customers.get(ctx, str(cid))  # as if it did not exist
                assert ctx.session.get(Customer, cid) is None, key


@pytest.mark.parametrize("login", ACTORS)
def test_customer_scoped_rows_follow_their_customer(org: Org, login: str) -> None:
    expected = visible_ids(org, login)
    with org.work(login) as ctx:
        seen = set(ctx.session.scalars(select(Interaction.customer_id)))
        assert seen == expected - {org.customer_of["pool"]}
        # Explicit join from an unfiltered table still filters both sides.
        joined = ctx.session.execute(
            select(User.login, Interaction.id).join(Interaction, Interaction.user_id == User.id)
        ).all()
        assert len(joined) == len(seen)
        # has()/any()-style correlated subqueries are filtered too.
        with_calls = set(
            ctx.session.scalars(
                select(Customer.id).where(
                    select(Interaction.id).where(Interaction.customer_id == Customer.id).exists()
                )
            )
        )
        assert with_calls == seen
        # An alias of a scoped entity is filtered (include_aliases).
        other = aliased(Customer)
        assert set(ctx.session.scalars(select(other.id))) == expected
        contacts_seen = {c.customer_id for c, _ in contacts.list_page(ctx, limit=100)}
        assert contacts_seen <= expected


@pytest.mark.parametrize("login", ACTORS)
def test_probing_customers_one_by_one_is_the_same_rule(org: Org, login: str) -> None:
    """`PROBE_CUSTOMERS` changes how the customer-scoped rule is planned, not what it shows:
    the same rows for every role, and the statement really carries the fence."""
    expected = visible_ids(org, login) - {org.customer_of["pool"]}
    sent: list[str] = []

    def keep(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(org.deployment.engine, "before_cursor_execute", keep)
    try:
        with org.work(login) as ctx:
            query = select(Interaction.customer_id).order_by(Interaction.customer_id)
            plain = list(ctx.session.scalars(query))
            sent.clear()
            probed = list(ctx.session.scalars(query, execution_options={PROBE_CUSTOMERS: True}))
            assert probed == plain and set(plain) == expected
            fenced = any("OFFSET" in statement for statement in sent)
            assert fenced == (login != "admin")  # admins see all: no rule to fence
            sent.clear()
            assert list(ctx.session.scalars(query)) == plain
            assert not any("OFFSET" in statement for statement in sent)  # cached apart
    finally:
        event.remove(org.deployment.engine, "before_cursor_execute", keep)


@pytest.mark.parametrize("login", ACTORS)
def test_reports_and_exports_count_only_visible_rows(org: Org, login: str, tmp_path: Path) -> None:
    expected = visible_ids(org, login)
    with org.work(login) as ctx:
        table = reports.run(ctx, "customers-by-segment", {"by": "owner"})
        assert sum(r["count"] for r in table.records()) == len(expected)
        per_day = reports.run(ctx, "interactions-per-day", {})
        assert sum(r["count"] for r in per_day.records()) == len(
            expected - {org.customer_of["pool"]}
        )
        out = tmp_path / "customers.csv"
        assert importing.export_file(ctx, "customers", out) == len(expected)
    _, rows = read_all(out)
    assert len(list(rows)) == len(expected)


@pytest.mark.parametrize("login", ACTORS)
def test_updates_reach_only_visible_rows(org: Org, login: str) -> None:
    """An ORM bulk UPDATE is filtered like a SELECT; a salesperson may not edit others' rows."""
    from sqlalchemy import update

    expected = visible_ids(org, login)
    with org.work(login, write=True) as ctx:
        result = ctx.session.execute(
            update(Customer).values(notes="touched").execution_options(synchronize_session=False)
        )
        assert result.rowcount == len(expected)
    for key, cid in org.customer_of.items():
        if cid in expected or key == "pool":
            continue
        with pytest.raises((NotFound, PermissionDenied)), org.work(login, write=True) as ctx:
            customers.update(ctx, str(cid), {"notes": "hijack"})


def test_statement_cache_does_not_leak_between_users(org: Org) -> None:
    """The same statement, compiled once, must be re-parameterised for each user."""
    query = select(Customer.id).order_by(Customer.id)
    for login in ACTORS + list(reversed(ACTORS)):
        with org.work(login) as ctx:
            assert set(ctx.session.scalars(query)) == visible_ids(org, login), login


def test_deferred_column_loads_still_work_for_visible_rows(org: Org) -> None:
    """Column loads skip the criteria (the row was visible when loaded) instead of failing."""
    from sqlalchemy.orm import defer

    with org.work("sh_sales1") as ctx:
        own = ctx.session.scalars(
            select(Customer)
            .options(defer(Customer.notes))
            .where(Customer.id == org.customer_of["sh_sales1"])
        ).one()
        assert own.notes is None
        assert own.name.startswith("sh_sales1")


def test_session_without_actor_sees_nothing(org: Org) -> None:
    session = org.deployment.session(None)  # type: ignore[arg-type]
    session.info.pop("crm_actor")
    try:
        assert session.scalars(select(Customer)).all() == []
    finally:
        session.close()


def test_unknown_user_id_sees_only_the_pool(org: Org) -> None:
    ghost = Actor(id=99_999, login="ghost", name="ghost", role="sales")
    with org.deployment.work(ghost) as ctx:
        assert set(ctx.session.scalars(select(Customer.id))) == {org.customer_of["pool"]}


def test_existence_is_revealed_with_the_owner_only(org: Org) -> None:
    with pytest.raises(Exception) as caught, org.work("south_sales", write=True) as ctx:
        customers.create(ctx, {"name": "sh_sales1的客户"})
    assert "上海销售一 (sh_sales1)" in str(caught.value)


@pytest.mark.parametrize("login", ACTORS)
def test_transfer_rights(org: Org, login: str) -> None:
    """Sales may not transfer; managers only within their subtree; admins anywhere."""
    target_cid = org.customer_of["sh_sales1"]
    with org.work(login, write=True) as ctx:
        allowed = login in {"admin", "boss", "east_mgr", "sh_mgr"}
        if allowed:
            result = transfer.transfer_customers(ctx, [str(target_cid)], "sh_sales2")
            assert result.customer_ids == (target_cid,)
        else:
            with pytest.raises((PermissionDenied, NotFound)):
                transfer.transfer_customers(ctx, [str(target_cid)], "sh_sales2")
