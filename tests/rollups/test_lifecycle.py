"""Rollups follow the deployment's life: migrations, upgrades, plugins disabled and enabled,
and rollups built by an earlier version.

Each test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import (
    func,
    select,
)

from crm_core.features.reports import engine as reports
from crm_core.features.rollups import RollupState
from crm_core.foundation.schema import table_of
from crm_core.kernel import lifecycle
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import User
from tests.rollups.world import (
    _differences,
    _ids,
    _triggers,
    apply,
)

pytest.importorskip("crm_customer_resources")

pytest.importorskip("crm_project_sales")


def test_a_migration_removes_rollups_and_upgrade_derives_them_again(world: Deployment) -> None:
    from sqlalchemy import inspect

    from crm_core.kernel import migrate

    state = table_of(RollupState)
    with world.work("admin") as ctx:
        before = reports.run(ctx, "interactions-per-day", {})
    migrate.downgrade(world.engine, world.catalog, "crm_core@-1")
    assert not [t for t in inspect(world.engine).get_table_names() if t.startswith("rollup_")]
    with world.work("admin") as ctx:  # no rollup: the report reads the source rows
        assert reports.run(ctx, "interactions-per-day", {}) == before
    lifecycle.upgrade(world)
    with world.engine.connect() as connection:
        core_head = migrate.branch_heads(world.catalog)["crm_core"]
        assert core_head in migrate.current_heads(connection)
        built = dict(connection.execute(select(state.c.name, state.c.built_at)).all())
        assert set(_differences(connection, world).values()) == {0}
    assert len(built) == 37
    lifecycle.upgrade(world)  # nothing to migrate: the rollups are left as they are
    with world.engine.connect() as connection:
        assert dict(connection.execute(select(state.c.name, state.c.built_at)).all()) == built
    with world.work("admin") as ctx:
        assert reports.run(ctx, "interactions-per-day", {}) == before


def test_disabling_a_block_removes_its_rollups_and_enabling_brings_them_back(
    world: Deployment,
) -> None:
    from sqlalchemy import inspect

    admin = world.resolve_actor("admin")
    lifecycle.disable(world, admin, "customer_resources")
    tables = set(inspect(world.engine).get_table_names())
    assert "rollup_interactions_by_day" in tables
    assert not {t for t in tables if t.startswith("rollup_cr_")}
    with world.engine.begin() as connection:  # orders written meanwhile fire no rollup trigger
        users: list[int | None] = [None, *_ids(connection, table_of(User))[:5]]
        apply(connection, ("order", 1, 1, date(2026, 10, 2), "300"), users)
        # and a person changes team: no trigger of the removed team totals is left on users
        apply(connection, ("team", 5, 4), users)
        assert not {t for t in _triggers(connection) if t.startswith("rollup_cr_")}
    lifecycle.enable(world, admin, ["customer_resources"])
    with world.engine.connect() as connection:
        assert set(_differences(connection, world).values()) == {0}
        assert connection.scalar(select(func.count()).select_from(table_of(RollupState))) == 37


def test_rollups_built_by_an_earlier_version_are_removed_and_built_again(
    world: Deployment,
) -> None:
    """A build record without today's columns: every rollup object goes, orphaned triggers of
    rollups no longer declared included, and sync derives the current ones."""
    from sqlalchemy import inspect

    with world.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE rollup_old_thing (id INTEGER PRIMARY KEY)")
        connection.exec_driver_sql(
            "CREATE TABLE rollup_state_old AS SELECT name, signature, zone, built_at "
            "FROM rollup_state"
        )
        connection.exec_driver_sql("DROP TABLE rollup_state")
        connection.exec_driver_sql("ALTER TABLE rollup_state_old RENAME TO rollup_state")
    lifecycle.upgrade(world)
    tables = set(inspect(world.engine).get_table_names())
    assert "rollup_old_thing" not in tables
    with world.engine.connect() as connection:
        assert set(_differences(connection, world).values()) == {0}
        assert connection.scalar(select(func.count()).select_from(table_of(RollupState))) == 37
