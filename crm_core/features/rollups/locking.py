"""PostgreSQL: taking the tables whose rollup triggers change before changing them.

A writer locks a source table (inserting a customer), then, through its trigger, the rollup
table; another writer may lock two sources in either order (a customer, then a plugin's note).
Changing triggers needs ACCESS EXCLUSIVE on each table it touches, so installing or dropping
rollups statement by statement beside running writers deadlocks, and PostgreSQL may choose a
writer as the victim: a salesperson's request would fail because an admin enabled a block.

So the change takes every such table at once first, with a short lock timeout inside a
savepoint: if the tables are busy it lets go of what it took and tries again, so a writer never
waits on it while holding what it waits for, and the timeout (below PostgreSQL's deadlock
timeout) makes the change, not a writer, give way. SQLite's writers take the database lock
whole (BEGIN IMMEDIATE), so nothing is needed there.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from crm_core.foundation.errors import CrmError
from crm_core.hooks.rollups import CUSTOMER_TABLE, PREFIX, MonthlyDays, Rollup, Spec, TeamTotals

#: How long one attempt waits for the tables (below PostgreSQL's deadlock_timeout of 1 s).
LOCK_TIMEOUT_MS = 200
#: Attempts before the change gives up ("busy"): about a minute of writers in the way.
ATTEMPTS = 150
LOCK_NOT_AVAILABLE = "55P03"
USERS = "crm_user"


def sources(rollups: Iterable[Spec]) -> set[str]:
    """The tables whose rows (and so whose triggers) feed these rollups."""
    found = {CUSTOMER_TABLE, USERS}
    for rollup in rollups:
        if isinstance(rollup, TeamTotals | MonthlyDays):
            continue  # fed by its rollup, itself derived
        found.add(rollup.source)
        if isinstance(rollup, Rollup) and rollup.parent is not None:
            found.add(rollup.parent.table)
    return found


def take_sources(connection: Connection, rollups: Iterable[Spec] = ()) -> None:
    """Lock, for the rest of the transaction, every table that carries a rollup trigger now or
    feeds one of `rollups`, before triggers change (PostgreSQL only)."""
    if connection.dialect.name != "postgresql":
        return
    carrying = connection.exec_driver_sql(
        "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal AND t.tgname LIKE %(like)s",
        {"like": PREFIX.replace("_", "\\_") + "%"},
    ).scalars()
    existing = set(
        connection.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        ).scalars()
    )
    wanted = (set(carrying) | sources(rollups)) & existing
    names = sorted(name for name in wanted if not name.startswith(PREFIX))
    if not names:
        return
    quoted = ", ".join(f'"{name}"' for name in names)
    for attempt in range(ATTEMPTS):
        try:
            with connection.begin_nested():
                connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_MS}ms'")
                connection.exec_driver_sql(f"LOCK TABLE {quoted} IN ACCESS EXCLUSIVE MODE")
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                raise
            time.sleep(min(0.05 * (attempt + 1), 0.5))
            continue
        connection.exec_driver_sql("SET LOCAL lock_timeout = DEFAULT")
        return
    raise CrmError("the deployment's tables stayed busy: the rollups were not changed; try again")
