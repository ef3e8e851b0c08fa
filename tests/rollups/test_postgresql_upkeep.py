"""PostgreSQL: statements planned for their size after small edits, and rollup tables vacuumed
after a small share of their rows changed.

Each test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import (
    Connection,
    func,
    insert,
    select,
    update,
)

from crm_core.features.rollups import RollupState, vacuuming
from crm_core.foundation.schema import table_of
from crm_core.kernel import lifecycle
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import User
from tests.rollups.world import (
    CUSTOMERS,
    PROFILES,
    _bulk_customers,
    _differences,
    _ids,
)

pytest.importorskip("crm_customer_resources")

pytest.importorskip("crm_project_sales")


def _autovacuum_options(connection: Connection) -> dict[str, set[str]]:
    found = connection.exec_driver_sql(
        "SELECT relname, reloptions FROM pg_class WHERE relkind = 'r' AND relname LIKE 'rollup%%'"
    ).all()
    return {
        name: {o for o in options or () if o.startswith("autovacuum_")} for name, options in found
    }


@pytest.mark.crm_postgres_only
def test_a_large_statement_after_a_one_row_edit_is_planned_for_its_size(
    world: Deployment,
) -> None:
    """PL/pgSQL keeps one plan per trigger statement for the session, made for the transition
    tables of its first run. A one-row edit first must not leave a 300-row hand-over with
    plans that scan a transition table once per row of another (nested loops: quadratic).
    auto_explain sends the plan of every statement the triggers run to the client."""
    with world.engine.begin() as connection:
        users: list[int | None] = [None, *_ids(connection, table_of(User))[:5]]
        connection.execute(insert(CUSTOMERS), _bulk_customers(300, users[1:3]))
        added = select(CUSTOMERS.c.id).where(CUSTOMERS.c.name.like("批量客户%"))
        connection.execute(insert(PROFILES).from_select(["customer_id"], added))
    plans: list[str] = []
    with world.engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        raw.add_notice_handler(lambda notice: plans.append(str(notice.message_primary)))
        for setting in (
            "LOAD 'auto_explain'",
            "SET auto_explain.log_min_duration = 0",
            "SET auto_explain.log_nested_statements = on",
            "SET auto_explain.log_analyze = on",
            "SET auto_explain.log_timing = off",
            "SET auto_explain.log_level = notice",
        ):
            connection.exec_driver_sql(setting)
        one = connection.scalar(select(func.min(CUSTOMERS.c.id)))
        connection.execute(update(CUSTOMERS).where(CUSTOMERS.c.id == one).values(owner_id=users[3]))
        plans.clear()
        moved = connection.execute(
            update(CUSTOMERS).where(CUSTOMERS.c.owner_id.in_(users[1:3])).values(owner_id=users[4])
        ).rowcount
        assert moved >= 300
        assert set(_differences(connection, world).values()) == {0}
        connection.rollback()
    rescans = [
        plan for plan in plans if re.search(r"Named Tuplestore Scan .*loops=(?!1\))\d+", plan)
    ]
    assert len(plans) > 20
    assert rescans == []


@pytest.mark.crm_postgres_only
def test_rollup_tables_are_vacuumed_after_a_small_share_of_their_rows_changed(
    world: Deployment,
) -> None:
    """Reads by index alone need the pages marked all-visible: every rollup table carries
    autovacuum thresholds of 0.2 % (PostgreSQL's default is 20 %), and one that lost them (built
    by an earlier version) gets them back at the next upgrade, the others left alone, and a
    threshold an administrator set is kept."""
    from crm_core.features.rollups.vacuuming import SETTINGS

    wanted = {f"{name}={value}" for name, value in SETTINGS.items()}
    assert wanted == {
        "autovacuum_vacuum_scale_factor=0.002",
        "autovacuum_vacuum_threshold=200",
        "autovacuum_vacuum_insert_scale_factor=0.002",
        "autovacuum_vacuum_insert_threshold=200",
    }
    with world.engine.connect() as connection:
        built = set(connection.scalars(select(table_of(RollupState).c.name)))
        options = _autovacuum_options(connection)
    assert len(built) == 37
    assert {name: options[name] for name in built} == {name: wanted for name in built}
    with world.engine.begin() as connection:
        connection.exec_driver_sql(
            "ALTER TABLE rollup_customers_by_month RESET (autovacuum_vacuum_scale_factor)"
        )
        assert vacuuming.keep_index_only(connection, sorted(built)) == ["rollup_customers_by_month"]
        connection.exec_driver_sql(
            "ALTER TABLE rollup_cr_owed_by_seller RESET (autovacuum_vacuum_threshold)"
        )
        # an administrator's own threshold on another one is theirs to keep
        connection.exec_driver_sql(
            "ALTER TABLE rollup_customers_by_level SET (autovacuum_vacuum_threshold = 5000)"
        )
    lifecycle.upgrade(world)
    tuned = wanted - {"autovacuum_vacuum_threshold=200"} | {"autovacuum_vacuum_threshold=5000"}
    with world.engine.connect() as connection:
        assert {name: _autovacuum_options(connection)[name] for name in built} == {
            name: tuned if name == "rollup_customers_by_level" else wanted for name in built
        }
