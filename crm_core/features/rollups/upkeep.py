"""Installing rollups, removing them around migrations, rebuilding and checking them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, inspect, select

from crm_core.features.rollups.locking import take_sources
from crm_core.features.rollups.months import MonthlyDaysSql
from crm_core.features.rollups.newest import NewestSql
from crm_core.features.rollups.spec import RollupState
from crm_core.features.rollups.teams import TeamSql
from crm_core.features.rollups.triggers import RollupSql
from crm_core.features.rollups.vacuuming import keep_index_only
from crm_core.foundation import transaction_cache
from crm_core.foundation.schema import table_of
from crm_core.foundation.types import utcnow
from crm_core.hooks.rollups import PREFIX, MonthlyDays, Newest, Rollup, Spec, TeamTotals

Writer = RollupSql | NewestSql | TeamSql | MonthlyDaysSql


def _writer(connection: Connection, rollup: Spec, zone: str) -> Writer:
    if isinstance(rollup, Newest):
        return NewestSql(rollup, connection.dialect, zone)
    if isinstance(rollup, TeamTotals):
        return TeamSql(rollup, connection.dialect, zone)
    if isinstance(rollup, MonthlyDays):
        return MonthlyDaysSql(rollup, connection.dialect, zone)
    return RollupSql(rollup, connection.dialect, zone)


def sync(connection: Connection, rollups: Iterable[Spec], zone: str) -> list[str]:
    """Install each rollup whose derived SQL differs from what was built, and remove those no
    longer registered; returns the names (re)built. On PostgreSQL every rollup table gets
    autovacuum thresholds that keep its reads index-only (`vacuuming`), built now or before.

    Runs inside the caller's transaction: a failure leaves every rollup as it was.
    """
    state = table_of(RollupState)
    if state.name in inspect(connection).get_table_names() and set(state.c.keys()) - {
        column["name"] for column in inspect(connection).get_columns(state.name)
    }:
        detach(connection)  # built by an earlier version: remove it all, then rebuild
    state.create(connection, checkfirst=True)
    connection.exec_driver_sql("DROP TABLE IF EXISTS rollup_paused")  # no longer used
    built = {name: sig for name, sig in connection.execute(select(state.c.name, state.c.signature))}
    rollups = list(rollups)
    wanted = {rollup.name for rollup in rollups}
    writers = {rollup.name: _writer(connection, rollup, zone) for rollup in rollups}
    changing = set(built) - wanted or any(
        built.get(name) != writer.signature() for name, writer in writers.items()
    )
    if changing:
        take_sources(connection, rollups)
    for name in sorted(set(built) - wanted):  # no longer registered: a plugin disabled, renamed
        _remove(connection, name + "_")
        connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"')
        connection.execute(state.delete().where(state.c.name == name))
        for other in wanted:  # "rollup_a_" also matched rollup_a_b's triggers: reinstall it
            if other.startswith(name + "_"):
                built.pop(other, None)
    rebuilt = []
    for rollup in rollups:
        writer = writers[rollup.name]
        signature = writer.signature()
        if built.get(rollup.name) == signature:
            continue
        for statement in writer.drop_statements():
            connection.exec_driver_sql(statement)
        for statement in writer.install_statements():
            connection.exec_driver_sql(statement)
        _fill(connection, writer)
        connection.execute(state.delete().where(state.c.name == rollup.name))
        connection.execute(
            state.insert().values(
                name=rollup.name,
                signature=signature,
                zone=zone,
                built_at=utcnow(),
                source=rollup.source,
                bulk_insert=writer.bulk_insert_sql(),
                bulk_customers=writer.bulk_customers_sql(),
                parent=rollup.parent.table
                if isinstance(rollup, Rollup) and rollup.parent
                else None,
                bulk_parents=writer.bulk_parents_sql(),
                prune=writer.prune(),
            )
        )
        rebuilt.append(rollup.name)
    keep_index_only(connection, sorted(wanted))
    return rebuilt


def detach(connection: Connection) -> list[str]:
    """Remove every rollup (triggers, functions, tables, build records) before the schema changes.

    A migration that rebuilds a table (SQLite's batch "copy and rename") would drop the
    triggers on it, or fail on triggers that name it; and rows written while triggers are gone
    would be missed. So rollups are removed first and `sync` derives them again afterwards.
    Returns the tables removed.
    """
    take_sources(connection)
    return _remove(connection, PREFIX)


def _remove(connection: Connection, prefix: str) -> list[str]:
    """Drop the triggers, trigger functions and tables whose names start with `prefix`."""
    like = prefix.replace("_", "\\_") + "%"
    if connection.dialect.name == "postgresql":
        triggers = connection.exec_driver_sql(
            "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND t.tgname LIKE %(like)s",
            {"like": like},
        ).all()
        for name, table in triggers:
            connection.exec_driver_sql(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"')
        functions = connection.exec_driver_sql(
            "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = current_schema() AND p.proname LIKE %(like)s",
            {"like": like},
        ).scalars()
        for name in list(functions):
            connection.exec_driver_sql(f'DROP FUNCTION IF EXISTS "{name}"()')
        tables = list(
            connection.exec_driver_sql(
                "SELECT tablename FROM pg_tables "
                "WHERE schemaname = current_schema() AND tablename LIKE %(like)s",
                {"like": like},
            ).scalars()
        )
    else:
        found = connection.exec_driver_sql(
            "SELECT type, name FROM sqlite_master WHERE name LIKE ? ESCAPE '\\' "
            "AND type IN ('trigger', 'table')",
            (like,),
        ).all()
        for kind, name in found:
            if kind == "trigger":
                connection.exec_driver_sql(f'DROP TRIGGER IF EXISTS "{name}"')
        tables = [name for kind, name in found if kind == "table"]
    for table in tables:
        connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{table}"')
    return tables


def ready(connection: Connection, rollup: Spec, zone: str) -> bool:
    """Whether reports may read `rollup`: installed, and bucketed in the zone they report in.
    Every rollup's state is read at once, once per transaction (a page asks a dozen times)."""
    state = table_of(RollupState)
    built = transaction_cache.remembered(
        connection, state.name, "zones", lambda: _zones_built(connection)
    )
    return built.get(rollup.name) == zone


def _zones_built(connection: Connection) -> dict[str, str]:
    state = table_of(RollupState)
    if not inspect(connection).has_table(state.name):  # removed for a migration, not yet back
        return {}
    return {name: zone for name, zone in connection.execute(select(state.c.name, state.c.zone))}


def rebuild(
    connection: Connection, rollups: Iterable[Spec], zone: str, among: Iterable[Spec] = ()
) -> dict[str, int]:
    """Recompute each rollup from its source; returns the rows each now holds.

    The tables derived from a rollup rebuilt here (totals per team, days per month, found
    among the registered `among`) are taken down first and built again from it afterwards:
    their triggers would otherwise follow the rollup's emptying and refilling row by row (on
    SQLite, millions of calls)."""
    rollups = list(rollups)
    take_sources(connection, rollups)
    chosen = {rollup.name for rollup in rollups}
    derived = list(
        {
            spec.name: spec
            for spec in [*among, *rollups]
            if isinstance(spec, TeamTotals | MonthlyDays) and spec.of.name in chosen
        }.values()
    )
    for spec in derived:
        for statement in _writer(connection, spec, zone).drop_statements():
            connection.exec_driver_sql(statement)
    sizes = {}
    state = table_of(RollupState)
    rebuilt_after = {spec.name for spec in derived}
    for rollup in [r for r in rollups if r.name not in rebuilt_after]:
        writer = _writer(connection, rollup, zone)
        connection.exec_driver_sql(f"DELETE FROM {rollup.name}")
        sizes[rollup.name] = _fill(connection, writer)
        connection.execute(
            state.update().where(state.c.name == rollup.name).values(built_at=utcnow())
        )
    for spec in derived:
        writer = _writer(connection, spec, zone)
        for statement in writer.install_statements():
            connection.exec_driver_sql(statement)
        sizes[spec.name] = _fill(connection, writer)
        connection.execute(
            state.update().where(state.c.name == spec.name).values(built_at=utcnow())
        )
    keep_index_only(connection, [spec.name for spec in derived])
    return sizes


def _fill(connection: Connection, writer: Writer) -> int:
    connection.exec_driver_sql(
        f"INSERT INTO {writer.t} ({writer.columns}) {writer.rebuild_select()}"
    )
    # Planner statistics for the new rows now: without them SQLite reads a date range of the
    # ageing rollup through its key and the table instead of along its covering index;
    # autovacuum and `PRAGMA optimize` would come too late.
    connection.exec_driver_sql(f"ANALYZE {writer.t}")
    return int(connection.exec_driver_sql(f"SELECT count(*) FROM {writer.t}").scalar_one())


def differences(connection: Connection, rollup: Spec, zone: str) -> int:
    """Keys whose totals differ between the rollup and a fresh aggregation of its source."""
    writer = _writer(connection, rollup, zone)
    stored = f"SELECT {writer.columns} FROM {writer.t}"
    fresh = writer.rebuild_select()
    query = (
        f"SELECT count(*) FROM (({stored} EXCEPT {fresh}) "
        f"UNION ALL ({fresh} EXCEPT {stored})) AS differing"
    )
    if writer.dialect == "sqlite":  # SQLite takes no parentheses around compound members
        query = (
            f"SELECT count(*) FROM (SELECT * FROM ({stored} EXCEPT {fresh}) "
            f"UNION ALL SELECT * FROM ({fresh} EXCEPT {stored}))"
        )
    return int(connection.exec_driver_sql(query).scalar_one())
