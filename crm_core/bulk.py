"""Inserting many rows fast: COPY on PostgreSQL, executemany on SQLite, ids allocated up front.

`insert_rows` returns the new ids in row order without INSERT ... RETURNING: on PostgreSQL the ids
come from the table's sequence in one round trip and the rows go in with COPY; on SQLite the
writer holds the database lock (BEGIN IMMEDIATE, see decision 0002), so the next ids are simply
max(id)+1 onwards. Values pass through each column's SQLAlchemy type first (money, UTC times).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

#: Below this many rows a plain INSERT is as quick and simpler.
COPY_THRESHOLD = 50


def insert_rows(
    session: Session, table: Table, rows: Sequence[Mapping[str, Any]], *, with_ids: bool = True
) -> list[int]:
    """Insert `rows` (dicts with the same keys) into `table`; the new ids when `with_ids`."""
    if not rows:
        return []
    ids = _allocate_ids(session, table, len(rows)) if with_ids else []
    columns = list(rows[0])
    if with_ids:
        columns = ["id", *columns]
    connection = session.connection()
    if connection.dialect.name == "postgresql" and len(rows) >= COPY_THRESHOLD:
        _copy(session, table, columns, rows, ids)
    elif with_ids:
        connection.execute(
            insert(table), [{"id": new_id, **row} for new_id, row in zip(ids, rows, strict=True)]
        )
    else:
        connection.execute(insert(table), list(rows))
    return ids


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


def _copy(
    session: Session,
    table: Table,
    columns: list[str],
    rows: Sequence[Mapping[str, Any]],
    ids: list[int],
) -> None:
    dialect = session.connection().dialect
    processors: list[Callable[[Any], Any] | None] = [
        table.c[name].type.bind_processor(dialect) for name in columns
    ]
    quoted = ", ".join(dialect.identifier_preparer.quote(c) for c in columns)
    raw = session.connection().connection.driver_connection
    assert raw is not None
    names = columns[1:] if ids else columns
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy,
    ):
        for index, row in enumerate(rows):
            values = [row[name] for name in names]
            if ids:
                values.insert(0, ids[index])
            copy.write_row(
                [p(v) if p is not None else v for p, v in zip(processors, values, strict=True)]
            )
