"""PostgreSQL: rollup tables are vacuumed after a small share of their rows changed.

Dashboards read most rollups by index only (their read indexes carry the totals), which PostgreSQL
can do only for pages its visibility map marks all-visible. Every change to a total writes a
new row version and clears that mark for its page; autovacuum sets it again, but by default
only after a fifth of the table's rows changed, so a few rolled-back transfers of thousands of
customers can leave most of a rollup's pages unmarked, and its dashboard tile then fetches
table rows beside the index. Decision 0024.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection

#: Autovacuum thresholds of every rollup table: after 0.2 % of its rows plus 200 were changed,
#: or inserted. A page holds about a hundred rollup rows, so changes spread across the table
#: (a transfer, an import) are vacuumed before they touch about a fifth of its pages; 1 % left
#: two thirds of a rollup's pages unmarked after two transfers of 4,200 customers, below it.
SETTINGS = {
    "autovacuum_vacuum_scale_factor": "0.002",
    "autovacuum_vacuum_threshold": "200",
    "autovacuum_vacuum_insert_scale_factor": "0.002",
    "autovacuum_vacuum_insert_threshold": "200",
}


def keep_index_only(connection: Connection, tables: Iterable[str]) -> list[str]:
    """Give each of `tables` those of the rollup autovacuum thresholds it lacks; returns the
    tables changed. A threshold already set (a database administrator's own) is kept. No-op
    on other databases."""
    if connection.dialect.name != "postgresql":
        return []
    current = connection.exec_driver_sql(
        "SELECT c.relname, c.reloptions FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname = ANY(%(tables)s)",
        {"tables": list(tables)},
    ).all()
    changed = []
    for table, options in sorted(current):
        present = {option.split("=", 1)[0] for option in options or ()}
        missing = [f"{name} = {value}" for name, value in SETTINGS.items() if name not in present]
        if missing:
            connection.exec_driver_sql(f'ALTER TABLE "{table}" SET ({", ".join(missing)})')
            changed.append(table)
    return changed
