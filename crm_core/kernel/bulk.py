"""Inserting many rows fast: COPY on PostgreSQL, executemany on SQLite, ids allocated up front.

`insert_rows` returns the new ids in row order without INSERT ... RETURNING: on PostgreSQL the ids
come from the table's sequence in one round trip and the rows go in with COPY; on SQLite the
writer holds the database lock (BEGIN IMMEDIATE, see decision 0002), so the next ids are simply
max(id)+1 onwards. Values pass through each column's SQLAlchemy type first (money, UTC times).
The batch watchers (crm_core.kernel.batches: the rollups on SQLite) see each insert as one
batch, unless `watched` is off (the audit trail, which nothing derives from).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from crm_core.foundation.limits import check_rows
from crm_core.kernel import batches

#: Below this many rows a plain INSERT is as quick and simpler.
COPY_THRESHOLD = 50


def insert_rows(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    with_ids: bool = True,
    watched: bool = True,
    checked: bool = True,
) -> list[int]:
    """Insert `rows` (dicts with the same keys) into `table`; the new ids when `with_ids`. Text
    a column cannot hold is refused first (`foundation.limits`) unless `checked` is False: the
    audit log's own rows, which quote checked records."""
    if not rows:
        return []
    if checked:
        check_rows(table, rows)
    if not watched:
        return _insert(session, table, rows, with_ids)
    with batches.rows_inserting(session, table.name):
        return _insert(session, table, rows, with_ids)


def _insert(
    session: Session, table: Table, rows: Sequence[Mapping[str, Any]], with_ids: bool
) -> list[int]:
    ids = _allocate_ids(session, table, len(rows)) if with_ids else []
    names = list(rows[0])
    columns = ["id", *names] if with_ids else names
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name == "postgresql" and len(rows) < COPY_THRESHOLD:
        values = [dict(row) for row in rows]
        if with_ids:
            for new_id, row in zip(ids, values, strict=True):
                row["id"] = new_id
        connection.execute(insert(table), values)
        return ids
    data = _bound_values(table, columns, names, rows, ids, dialect)
    raw = connection.connection.driver_connection
    assert raw is not None
    quoted = ", ".join(dialect.identifier_preparer.quote(c) for c in columns)
    if dialect.name == "postgresql":
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy,
        ):
            for values in data:
                copy.write_row(values)
    else:
        marks = ", ".join("?" for _ in columns)
        raw.executemany(f"INSERT INTO {table.name} ({quoted}) VALUES ({marks})", data)
    return ids


def _bound_values(
    table: Table,
    columns: list[str],
    names: list[str],
    rows: Sequence[Mapping[str, Any]],
    ids: list[int],
    dialect: Any,
) -> Iterator[list[Any]]:
    """Each row's values as the driver wants them, through the columns' SQLAlchemy types.

    Only columns whose type converts anything are visited; a value identical to the previous
    row's (the batch's shared timestamp) is not converted again.
    """
    offset = 1 if ids else 0
    converting = [
        (position, process)
        for position, name in enumerate(columns)
        if position >= offset and (process := table.c[name].type._cached_bind_processor(dialect))
    ]
    last: dict[int, tuple[Any, Any]] = {}
    pick = itemgetter(*names)
    single = len(names) == 1
    for index, row in enumerate(rows):
        picked = pick(row)
        values = [picked] if single else list(picked)
        if ids:
            values.insert(0, ids[index])
        for position, process in converting:
            value = values[position]
            seen = last.get(position)
            if seen is not None and seen[0] is value:
                values[position] = seen[1]
            else:
                values[position] = converted = process(value)
                last[position] = (value, converted)
        yield values


def _allocate_ids(session: Session, table: Table, count: int) -> list[int]:
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        sequence = connection.scalar(
            text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table.name}
        )
        found = connection.execute(
            text("SELECT nextval(CAST(:seq AS regclass)) FROM generate_series(1, :n)"),
            {"seq": sequence, "n": count},
        )
        return sorted(int(row[0]) for row in found)
    start = int(connection.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0)
    return list(range(start + 1, start + 1 + count))
