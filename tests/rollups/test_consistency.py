"""Rollups stay equal to their source rows under any sequence of writes, are installed and
filled with the deployment, and are caught and rebuilt when edited by hand.

Each test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    func,
    insert,
    select,
)
from sqlalchemy.dialects import sqlite

from crm_core.contract.testing import CliResult
from crm_core.features import rollups
from crm_core.features.customers.rollups import CUSTOMERS_BY_MONTH
from crm_core.features.reports import engine as reports
from crm_core.features.rollups import RollupState
from crm_core.features.rollups import triggers as rollup_triggers
from crm_core.features.rollups.triggers import RollupSql
from crm_core.foundation.errors import PluginError
from crm_core.foundation.schema import table_of
from crm_core.hooks.rollups import ROLLUPS
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import User
from tests.rollups.world import (
    BASE,
    CUSTOMERS,
    ORDERS,
    PROFILES,
    ZONE,
    _bulk_customers,
    _differences,
    _ids,
    _stray_profile_owners,
    _triggers,
    apply,
    operations,
)

pytest.importorskip("crm_customer_resources")
from crm_customer_resources.models.rollups import PROFILES_BY_GRADE

pytest.importorskip("crm_project_sales")


def test_every_rollup_is_installed_and_filled(world: Deployment) -> None:
    with world.engine.connect() as connection:
        differing = _differences(connection, world)
        names = set(connection.scalars(select(table_of(RollupState).c.name)))
    assert (
        set(differing)
        == names
        == {
            "rollup_interactions_by_day",
            "rollup_interactions_by_month",
            "rollup_newest_interaction",
            "rollup_customers_by_level",
            "rollup_customers_by_industry",
            "rollup_customers_by_region",
            "rollup_customers_by_month",
            "rollup_team_customers_by_month",
            "rollup_team_customers_by_level",
            "rollup_team_interactions_by_day",
            "rollup_cr_sales_by_seller",
            "rollup_cr_sales_by_industry",
            "rollup_cr_sales_by_region",
            "rollup_cr_owed_by_due_day",
            "rollup_cr_owed_by_due_month",
            "rollup_cr_owed_by_seller",
            "rollup_cr_owed_by_customer",
            "rollup_cr_team_owed_by_due_day",
            "rollup_cr_team_owed_by_due_month",
            "rollup_cr_team_owed_by_seller",
            "rollup_cr_team_sales_by_seller",
            "rollup_cr_team_sales_by_industry",
            "rollup_cr_team_sales_by_region",
            "rollup_cr_sales_by_product",
            "rollup_cr_team_sales_by_product",
            "rollup_cr_new_customers_by_industry",
            "rollup_cr_new_customers_by_region",
            "rollup_cr_team_new_customers_by_industry",
            "rollup_cr_team_new_customers_by_region",
            "rollup_cr_profiles_by_grade",
            "rollup_cr_team_profiles_by_grade",
            "rollup_cr_receipts_by_seller",
            "rollup_cr_receipts_by_industry",
            "rollup_cr_receipts_by_region",
            "rollup_cr_unpaid_installment",
            "rollup_ps_projects_by_stage",
            "rollup_ps_team_projects_by_stage",
        }
    )
    assert set(differing.values()) == {0}


def test_any_sequence_of_writes_keeps_every_rollup_equal_to_its_source(world: Deployment) -> None:
    _any_sequence_keeps_rollups_equal(world, int(os.environ.get("CRM_ROLLUP_EXAMPLES", "30")))


@pytest.mark.crm_postgres_only
def test_statements_planned_for_their_size_keep_every_rollup_equal(
    world: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writes of the test above, with every PostgreSQL trigger statement taking the path
    that large statements take (`EXECUTE`, decision 0026) instead of the session's plans: the
    small worlds of these tests rarely write more than 64 rows at once."""
    monkeypatch.setattr(rollup_triggers, "FEW_ROWS", 0)
    with world.work("admin", write=True) as ctx:
        rebuilt = rollups.sync(ctx.session.connection(), ctx.registry(ROLLUPS).values(), ZONE)
    assert "rollup_customers_by_month" in rebuilt
    with world.engine.connect() as connection:
        functions = connection.exec_driver_sql(
            "SELECT prosrc FROM pg_proc WHERE proname = 'rollup_customers_by_month_on_update'"
        ).scalar_one()
    assert "OFFSET 0) THEN" in functions
    _any_sequence_keeps_rollups_equal(world, 15)


def _any_sequence_keeps_rollups_equal(world: Deployment, examples: int) -> None:
    with world.engine.connect() as connection:
        users: list[int | None] = [None, *_ids(connection, table_of(User))[:5]]

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(operations, min_size=1, max_size=12))
    def run(ops: list[tuple[Any, ...]]) -> None:
        with world.engine.connect() as connection:
            transaction = connection.begin()
            try:
                for op in ops:
                    apply(connection, op, users)
                differing = _differences(connection, world)
                assert set(differing.values()) == {0}, (differing, ops)
                assert _stray_profile_owners(connection) == [], ops
            finally:
                transaction.rollback()

    run()


def test_rows_keyed_by_their_customer_are_never_added_as_the_ids_above_the_largest() -> None:
    """Profiles are keyed by their customer, not by a growing id: SQLite's bulk inserts cannot
    add them as the rows above the largest key (`customer_rows_inserting` does it by
    customer). The customers themselves are always keyed by id."""
    assert RollupSql(PROFILES_BY_GRADE, sqlite.dialect(), ZONE).bulk_insert_sql() is None
    assert RollupSql(CUSTOMERS_BY_MONTH, sqlite.dialect(), ZONE).bulk_insert_sql() is not None
    with pytest.raises(PluginError, match="keyed by id"):
        attrs.evolve(CUSTOMERS_BY_MONTH, key="owner_id").validate()


def test_profiles_added_in_bulk_are_counted_and_leave_every_trigger_in_place(
    world: Deployment,
) -> None:
    """`ensure_profiles` for many customers at once, some with a profile already, some graded
    before: every rollup equals its source and the triggers are all back afterwards."""
    from crm_customer_resources.services import lifecycle as profiles

    with world.engine.connect() as connection:
        installed = _triggers(connection)
    with world.work("admin", write=True) as ctx:
        connection = ctx.session.connection()
        users = [None, *_ids(connection, table_of(User))[:5]]
        connection.execute(insert(CUSTOMERS), _bulk_customers(150, users))
        new = list(
            connection.scalars(select(CUSTOMERS.c.id).where(CUSTOMERS.c.name.like("批量客户%")))
        )
        for k in range(0, 40, 4):  # a few already have a profile, some of them graded
            apply(connection, ("profile", k, 1, BASE), users)
            apply(connection, ("grade", k, [2, None][k % 8 // 4], None), users)
        connection.execute(insert(PROFILES).values(customer_id=new[0], grade=4))
        profiles.ensure_profiles(ctx, _ids(connection, CUSTOMERS))
        assert (
            connection.scalar(
                select(func.count())
                .select_from(CUSTOMERS)
                .where(~CUSTOMERS.c.id.in_(select(PROFILES.c.customer_id)))
            )
            == 0
        )
        assert set(_differences(connection, world).values()) == {0}
        assert _triggers(connection) == installed
        apply(connection, ("grade", 7, 5, 1), users)  # a write afterwards is counted
        assert set(_differences(connection, world).values()) == {0}


def test_an_order_moved_to_another_month_takes_its_lines_along(world: Deployment) -> None:
    """The order's day alone changes (not its status): its lines leave October's sales per
    product for November's, in the rollup as in the source."""
    with world.engine.begin() as connection:
        users: list[int | None] = [None, *_ids(connection, table_of(User))[:2]]
        apply(connection, ("customer", 0, "lead", None, 1, BASE), users)
        apply(connection, ("order", 10**6, 1, date(2026, 10, 30), "500"), users)
        newest = max(_ids(connection, ORDERS))
        orders = _ids(connection, ORDERS)
        apply(connection, ("order_redate", orders.index(newest), date(2026, 11, 2)), users)
        assert set(_differences(connection, world).values()) == {0}
    october = {"by": "product", "since": "2026-10-01", "until": "2026-10-31"}
    november = {"by": "product", "since": "2026-11-01", "until": "2026-11-30"}
    with world.work("admin") as ctx:
        assert reports.run(ctx, "sales", october).rows == []
        moved = reports.run(ctx, "sales", november).records()
        assert sum(row["amount"] for row in moved) == Decimal("500")


def test_a_rollup_that_was_edited_by_hand_is_caught_and_rebuilt(
    world: Deployment, crm_cli: Any
) -> None:
    with world.engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE rollup_interactions_by_day SET interactions = interactions + 1"
        )
    broken: CliResult = crm_cli("rollups", "status", "--check", "--format", "json")
    assert broken.exit_code == 1
    assert "rollup_interactions_by_day" in broken.stderr
    assert "\n" not in broken.stderr.strip() and "Traceback" not in broken.stderr
    rebuilt = crm_cli("rollups", "rebuild", "rollup_interactions_by_day")
    assert rebuilt.exit_code == 0, rebuilt.stderr
    fixed = crm_cli("rollups", "status", "--check", "--format", "json")
    assert fixed.exit_code == 0
    assert {row["differing"] for row in fixed.json()} == {0}


def test_only_an_admin_inspects_or_rebuilds_rollups(world: Deployment, crm_cli: Any) -> None:
    for args in (("rollups", "status"), ("rollups", "rebuild")):
        refused = crm_cli(*args, as_login="boss")
        assert refused.exit_code != 0
        assert "admin" in refused.stderr
    unknown = crm_cli("rollups", "rebuild", "rollup_nothing")
    assert unknown.exit_code != 0 and "rollup_nothing" in unknown.stderr


def test_a_new_time_zone_rebuckets_the_days(world: Deployment, crm_cli: Any) -> None:
    # 23:30 in Shanghai is 15:30 the same day in UTC but 11:30 in New York: one day earlier
    # for the rollup only if it was rebuilt in the new zone.
    assert crm_cli("config", "set", "timezone", "America/New_York").exit_code == 0
    with world.engine.connect() as connection:
        zone = connection.scalar(
            select(table_of(RollupState).c.zone).where(
                table_of(RollupState).c.name == "rollup_interactions_by_day"
            )
        )
        assert zone == "America/New_York"
        with world.work("admin") as ctx:
            for rollup in ctx.registry(ROLLUPS).values():
                assert rollups.differences(connection, rollup, "America/New_York") == 0
