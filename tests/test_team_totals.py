"""Totals per team (decision 0025): visible by team subtree, kept true as people change team,
read for whoever sees whole teams and for nobody else.

The equality of every team table with its rollup under any sequence of writes (people moving
teams included) is the hypothesis test in tests/rollups/test_consistency.py; this file checks who sees what.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import case, delete, event, func, select, update

from crm_core.features import rollups
from crm_core.features.customers.rollups import (
    CUSTOMERS_BY_MONTH,
    TEAM_CUSTOMERS_BY_MONTH,
    CustomersByLevel,
    TeamCustomersByMonth,
)
from crm_core.features.reports import engine as reports
from crm_core.features.rollups import RollupState
from crm_core.features.rollups import maintenance as rollup_upkeep
from crm_core.foundation.errors import PluginError
from crm_core.hooks.actor import Actor
from crm_core.hooks.rollups import TeamTotals
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import Customer, Team, User
from crm_core.kernel.visibility import sees_whole_teams
from crm_core.services import customers, users
from tests.conftest import Org, register_rollups

TEAM_TABLE = "rollup_team_customers_by_month"
OWNER_TABLE = "rollup_customers_by_month"
ZONE = "Asia/Shanghai"

#: The teams each reader manages (their subtree), written out by hand from the test company:
#: 总部 > 华东区 > 上海组, and 华南区 under 总部. None: every row (an admin).
MANAGED: dict[str, set[str] | None] = {
    "admin": None,
    "boss": {"总部", "华东区", "上海组", "华南区"},
    "east_mgr": {"华东区", "上海组"},
    "sh_mgr": {"上海组"},
    "south_mgr": {"华南区"},
    "sh_sales1": set(),
    "south_sales": set(),
    "loner": set(),
}


@pytest.fixture
def company(org: Org) -> Iterator[Org]:
    """The test company, and a salesperson without a team who owns a customer: their totals
    fall under no team, so no manager sees them."""
    with org.work("admin", write=True) as ctx:
        users.add(ctx, "loner", "独行销售", "sales")
    with org.work("loner", write=True) as ctx:
        customers.create(ctx, {"name": "独行者的客户"})
    yield org


def _visible_rows(org: Org, login: str) -> set[tuple[Any, ...]]:
    """The team table's rows the reader may see, chosen in plain SQL from the hand-written
    subtrees above (not from the policy under test)."""
    managed = MANAGED[login]
    table = TeamCustomersByMonth.__table__
    with org.deployment.engine.connect() as connection:
        names = dict(connection.execute(select(Team.__table__.c.id, Team.__table__.c.name)).all())
        rows = connection.execute(select(table.c.id, table.c.owner_team_id, table.c.shared)).all()
    return {
        (row.id,)
        for row in rows
        if managed is None or row.shared == 1 or names.get(row.owner_team_id) in managed
    }


@pytest.mark.parametrize("login", list(MANAGED))
def test_each_reader_sees_their_subtree_s_team_totals_and_the_pool(
    company: Org, login: str
) -> None:
    """Roles × operations: reading, updating and deleting team totals through the ORM touch
    exactly the rows of the teams the reader manages and of the shared pool."""
    expected = _visible_rows(company, login)
    assert expected, "every reader sees at least the shared pool's row"
    model = TeamCustomersByMonth
    with company.work(login, write=True) as ctx:
        read = {(row_id,) for row_id in ctx.session.scalars(select(model.id))}
        assert read == expected
        assert ctx.session.scalar(select(func.sum(model.customers))) == sum(
            ctx.session.scalars(select(model.customers))
        )
        changed = ctx.session.execute(update(model).values(customers=model.customers + 0))
        assert changed.rowcount == len(expected)  # type: ignore[attr-defined]
        removed = ctx.session.execute(delete(model))
        assert removed.rowcount == len(expected)  # type: ignore[attr-defined]
        ctx.session.rollback()
    if MANAGED[login] is None:
        assert len(expected) == len(_visible_rows(company, "admin"))


def test_a_session_without_an_acting_user_sees_no_team_totals(company: Org) -> None:
    anonymous = Actor(id=None, login="nobody", name="nobody", role="manager")
    with company.deployment.session(anonymous) as session:
        assert session.scalars(select(TeamCustomersByMonth.id)).all() == []


@pytest.mark.parametrize("login", ["admin", "boss", "east_mgr", "sh_mgr", "south_mgr"])
def test_a_whole_team_reader_s_team_totals_are_the_totals_of_the_customers_they_see(
    company: Org, login: str
) -> None:
    with company.work(login) as ctx:
        assert sees_whole_teams(ctx.actor)
        per_team = ctx.session.scalar(select(func.sum(TeamCustomersByMonth.customers)))
        per_owner = ctx.session.scalar(select(func.sum(CustomersByLevel.customers)))
        seen = ctx.session.scalar(select(func.count(Customer.id)))
    assert per_team == per_owner == seen


def test_only_admins_and_managers_with_a_team_see_whole_teams() -> None:
    def actor(role: str, team_id: int | None) -> Actor:
        return Actor(id=7, login="x", name="x", role=role, team_id=team_id)

    assert sees_whole_teams(actor("admin", None))
    assert sees_whole_teams(actor("system", None))
    assert sees_whole_teams(actor("manager", 3))
    assert not sees_whole_teams(actor("manager", None))  # sees their own rows and the pool
    assert not sees_whole_teams(actor("sales", 3))


def _new_customers(org: Org, login: str) -> int:
    """The reader's new customers by month from the rollups, checked against the same report
    over the customer rows (the rollups made unknown for one rolled-back transaction)."""
    with org.work(login, write=True) as ctx:
        rolled = reports.run(ctx, "new-customers-by-month", {})
        ctx.session.execute(delete(RollupState))
        assert reports.run(ctx, "new-customers-by-month", {}) == rolled
        ctx.session.rollback()
    return sum(int(row[-1]) for row in rolled.rows)


def test_a_person_who_changes_team_takes_their_totals_along(company: Org) -> None:
    before = {login: _new_customers(company, login) for login in ("east_mgr", "south_mgr")}
    with company.work("admin", write=True) as ctx:
        users.change(ctx, "sh_sales1", team_name="华南区")
    after = {login: _new_customers(company, login) for login in ("east_mgr", "south_mgr")}
    assert after["east_mgr"] == before["east_mgr"] - 1
    assert after["south_mgr"] == before["south_mgr"] + 1
    with company.work("admin", write=True) as ctx:  # and back, with a customer more
        users.change(ctx, "sh_sales1", team_name="上海组")
    with company.work("sh_sales1", write=True) as ctx:
        customers.create(ctx, {"name": "回到上海组后的客户"})
    assert _new_customers(company, "east_mgr") == before["east_mgr"] + 1
    assert _new_customers(company, "south_mgr") == before["south_mgr"]


def test_people_who_trade_teams_in_one_statement_take_their_totals_along(company: Org) -> None:
    """A reorganisation written as one UPDATE of several users: each one's rows leave the team
    they were in before the statement (PostgreSQL reads it from the statement's old rows)."""
    users_table = User.__table__
    with company.deployment.engine.connect() as connection:
        team = dict(connection.execute(select(users_table.c.login, users_table.c.team_id)).all())
        connection.execute(
            update(users_table)
            .where(users_table.c.login.in_(["sh_sales1", "south_mgr"]))
            .values(
                team_id=case(
                    (users_table.c.login == "sh_sales1", team["south_mgr"]),
                    else_=team["sh_sales1"],
                )
            )
        )
        assert rollups.differences(connection, TEAM_CUSTOMERS_BY_MONTH, ZONE) == 0
        per_team = dict(
            connection.execute(
                select(
                    TeamCustomersByMonth.owner_team_id, func.sum(TeamCustomersByMonth.customers)
                ).group_by(TeamCustomersByMonth.owner_team_id)
            ).all()
        )
        connection.rollback()
    # 上海组: sh_mgr and sh_sales2 (south_mgr owns none); 华南区: south_sales and sh_sales1
    assert per_team[team["sh_sales1"]] == 2
    assert per_team[team["south_mgr"]] == 2


def test_rebuilding_a_rollup_builds_its_team_totals_again_with_their_triggers(
    company: Org,
) -> None:
    """`crm rollups rebuild NAME` takes the team totals of NAME down and builds them again
    from it (rather than letting their triggers follow every row): afterwards both are true,
    and a new customer still reaches the team totals."""
    with company.work("admin", write=True) as ctx:
        sizes = rollup_upkeep.rebuild(ctx, (OWNER_TABLE,))
    assert set(sizes) == {OWNER_TABLE, TEAM_TABLE}
    with company.work("sh_sales1", write=True) as ctx:
        customers.create(ctx, {"name": "重建之后的客户"})
    with company.deployment.engine.connect() as connection:
        assert rollups.differences(connection, CUSTOMERS_BY_MONTH, ZONE) == 0
        assert rollups.differences(connection, TEAM_CUSTOMERS_BY_MONTH, ZONE) == 0
        total = connection.scalar(select(func.sum(TeamCustomersByMonth.customers)))
        assert total == connection.scalar(select(func.count()).select_from(Customer))


def _tables_read(deployment: Deployment, login: str) -> str:
    sent: list[str] = []

    def keep(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(deployment.engine, "before_cursor_execute", keep)
    try:
        with deployment.work(login) as ctx:
            assert reports.run(ctx, "new-customers-by-month", {}).rows
    finally:
        event.remove(deployment.engine, "before_cursor_execute", keep)
    return " ".join(sent)


@pytest.mark.parametrize(
    ("login", "read", "not_read"),
    [
        ("boss", TEAM_TABLE, OWNER_TABLE),
        ("sh_mgr", TEAM_TABLE, OWNER_TABLE),
        ("admin", TEAM_TABLE, OWNER_TABLE),
        ("sh_sales1", OWNER_TABLE, TEAM_TABLE),
    ],
)
def test_managers_read_the_team_totals_and_salespeople_their_own_rows(
    company: Org, login: str, read: str, not_read: str
) -> None:
    sql = _tables_read(company.deployment, login)
    assert re.search(rf"\b{read}\b", sql)
    assert not re.search(rf"\b{not_read}\b", sql)


def test_team_totals_are_registered_after_their_rollup_and_match_their_model() -> None:
    assert register_rollups(CUSTOMERS_BY_MONTH, TEAM_CUSTOMERS_BY_MONTH)
    with pytest.raises(PluginError, match="before it"):
        register_rollups(TEAM_CUSTOMERS_BY_MONTH)
    with pytest.raises(PluginError, match="other than owner_id"):
        register_rollups(
            CUSTOMERS_BY_MONTH,
            TeamTotals(TeamCustomersByMonth, of=CUSTOMERS_BY_MONTH, dropped=("owner_id",)),
        )
    with pytest.raises(PluginError, match="no column level_team"):
        register_rollups(
            CUSTOMERS_BY_MONTH,
            TeamTotals(TeamCustomersByMonth, of=CUSTOMERS_BY_MONTH, people={"level": "level_team"}),
        )
    with pytest.raises(PluginError, match="level are not keys"):
        register_rollups(
            CUSTOMERS_BY_MONTH,
            TeamTotals(TeamCustomersByMonth, of=CUSTOMERS_BY_MONTH, dropped=("level",)),
        )
