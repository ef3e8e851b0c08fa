"""Reads of small configuration tables, remembered for the rest of one transaction.

A dashboard page asks for the time zone and whether each rollup is ready dozens of times, one
round trip each: about 20 ms of a top manager's page on PostgreSQL. `remembered` keeps such an
answer in the connection's `info` until the next transaction begins or a savepoint is rolled
back, or until a statement that is not a SELECT names the table the answer was read from: an
INSERT, UPDATE or DELETE through the ORM, Core or raw SQL, a DROP or an ALTER (a PRAGMA too:
harmless). Other transactions' commits are seen from the next transaction on.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, event

T = TypeVar("T")

#: `Connection.info` key: {table: {key: value}} for the transaction in progress.
INFO_KEY = "crm_transaction_cache"


def remembered(connection: Connection, table: str, key: Hashable, read: Callable[[], T]) -> T:
    """`read()`, or what it returned earlier in this transaction for (`table`, `key`)."""
    entries = connection.info.get(INFO_KEY, {}).get(table, {})
    if key in entries:
        found: T = entries[key]
        return found
    value = read()
    connection.info.setdefault(INFO_KEY, {}).setdefault(table, {})[key] = value
    return value


def install(engine: Engine) -> None:
    """Forget remembered reads as each transaction begins and when their table is written."""

    def forget_all(connection: Connection, *_args: Any) -> None:
        connection.info.pop(INFO_KEY, None)

    for moment in ("begin", "rollback_savepoint"):
        event.listen(engine, moment, forget_all)

    @event.listens_for(engine, "before_cursor_execute")
    def _forget_written(
        connection: Connection,
        _cursor: Any,
        statement: str,
        _parameters: Any,
        _context: Any,
        _executemany: bool,
    ) -> None:
        tables = connection.info.get(INFO_KEY)
        if not tables or statement.lstrip()[:6].upper() == "SELECT":
            return
        text = statement.lower()
        for table in [name for name in tables if name in text]:
            del tables[table]
