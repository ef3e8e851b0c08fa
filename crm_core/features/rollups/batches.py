"""Batch writes on SQLite: a bulk insert, or one UPDATE of many customers, updates each
rollup with one grouped statement instead of a row trigger per row (PostgreSQL's statement
triggers work per statement already)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy import text as sql_text

from crm_core.features.rollups.spec import CUSTOMER_UPDATES, RollupState, quiet_mark, updates_of
from crm_core.foundation.schema import table_of


@contextmanager
def bulk_insert(connection: Connection, table: str) -> Iterator[None]:
    """Around a bulk insert into `table` on SQLite: its rollups' insert triggers are dropped for
    the batch (`_quiet`; a row trigger costs a call per row even when it does nothing) and
    the new rows (ids above the previous largest) are added per rollup in one grouped
    statement, in the same transaction. PostgreSQL's statement triggers already work per
    statement."""
    if connection.dialect.name != "sqlite":
        yield
        return
    state = table_of(RollupState)
    statements = [
        statement
        for statement, _prune in _state_statements(
            connection, state.c.bulk_insert, state.c.source == table
        )
    ]
    if not statements:
        yield
        return
    before = int(
        connection.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {table}").scalar_one()
    )
    with _quiet(connection, table):
        yield
    after = int(
        connection.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {table}").scalar_one()
    )
    if after > before:
        for statement in statements:
            connection.execute(sql_text(statement), {"lo": before + 1, "hi": after})


@contextmanager
def _quiet(connection: Connection, pause: str) -> Iterator[None]:
    """The row triggers that the pause key `pause` silences (a table's name: its inserts; see
    `updates_of`: its updates) are gone inside the block and back after it, as they were, read
    from the schema. After a failure SQLite may have rolled the transaction back itself,
    triggers included: only the missing ones are created again.

    Dropping beats pausing: a trigger whose `WHEN` is false still costs SQLite a sub-program
    call per row (about 6 µs). DDL is transactional on SQLite and the writer holds the
    database lock, so no other connection writes meanwhile, readers keep their snapshot, and a
    rollback or a killed process restores the triggers."""
    triggers = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND instr(sql, ?) > 0",
        (quiet_mark(pause),),
    ).all()
    for name, _sql in triggers:
        connection.exec_driver_sql(f"DROP TRIGGER {name}")
    try:
        yield
    finally:
        for name, sql in triggers:
            present = connection.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?", (name,)
            ).first()
            if present is None:
                connection.exec_driver_sql(sql)


@contextmanager
def customers_changing(connection: Connection, ids: Sequence[int]) -> Iterator[None]:
    """Around one UPDATE of many customers on SQLite: their rows leave every rollup in one
    grouped statement per rollup, the row triggers stay quiet during the update, and the rows
    come back under the customers' new values. Wrap the UPDATE alone: other writes inside the
    block would be counted against totals the customers are out of."""
    state = table_of(RollupState)
    with _rows_changing(connection, ids, state.c.bulk_customers, CUSTOMER_UPDATES):
        yield


@contextmanager
def customer_rows_inserting(
    connection: Connection, table: str, customer_ids: Sequence[int]
) -> Iterator[None]:
    """Around an INSERT into `table` of rows of the customers `customer_ids` on SQLite (a
    table keyed by its customer, such as a plugin's profiles, whose new rows are not the ids
    above the largest): the rollups over `table` take these customers' rows out in one
    grouped statement each, the insert triggers stay quiet, and the rows, old and new, are
    counted back after it."""
    state = table_of(RollupState)
    with _rows_changing(
        connection, customer_ids, state.c.bulk_customers, table, state.c.source == table
    ):
        yield


@contextmanager
def parents_changing(connection: Connection, table: str, ids: Sequence[int]) -> Iterator[None]:
    """`customers_changing` for one UPDATE of many rows of `table`, a rollup parent (an order's
    salesperson or status): the rows hanging from them move in one statement per rollup."""
    state = table_of(RollupState)
    with _rows_changing(
        connection, ids, state.c.bulk_parents, updates_of(table), state.c.parent == table
    ):
        yield


@contextmanager
def _rows_changing(
    connection: Connection, ids: Sequence[int], column: Any, pause: str, *where: Any
) -> Iterator[None]:
    if connection.dialect.name != "sqlite" or not ids:
        yield
        return
    statements = _state_statements(connection, column, *where)
    if not statements:
        yield
        return
    chosen = json.dumps(sorted(set(ids)))

    def apply(sign: int) -> None:
        for statement, prune in statements:
            connection.execute(sql_text(statement), {"ids": chosen, "sign": sign})
            if prune:
                connection.exec_driver_sql(prune)

    apply(-1)
    with _quiet(connection, pause):
        yield
    apply(1)


def _state_statements(
    connection: Connection, column: Any, *where: Any
) -> list[tuple[str, str | None]]:
    """The stored batch statement `column` (with its prune) of each built rollup; none when
    the build record predates that column (the row triggers then do the work)."""
    known = connection.exec_driver_sql(
        "SELECT 1 FROM pragma_table_info('rollup_state') WHERE name = ?", (column.name,)
    ).first()
    if known is None:
        return []
    state = table_of(RollupState)
    query = select(column, state.c.prune).where(*where)
    return [(statement, prune) for statement, prune in connection.execute(query) if statement]
