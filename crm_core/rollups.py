"""Rollups: pre-aggregated counts and sums that the database keeps true by itself.

A rollup is a small table of totals per key (say interactions per local day, customer owner and
salesperson). Reports and dashboards read it instead of scanning millions of source rows.

Why triggers: totals that follow every insert, delete and update of the source rows, and every
change of a customer's owner or attributes, must not depend on each write path remembering to
update them. The core, plugins, bulk loads and raw SQL all write through the same triggers, so a
rollup is correct by construction (docs/decisions/0015-rollups-kept-by-triggers.md).

Visibility: every rollup is keyed by the customer's owner (`owner_id`) and its model is
`OwnerScoped`, so the one visibility policy filters it like any customer. A customer's rows move
between owners' totals when the customer changes hands.

The tables, indexes and triggers are derived from the `Rollup` specs (the core's and those that
plugins register with `crm_register_rollups`) and the deployment's time zone. `sync` installs
them, and rebuilds a rollup from its source whenever its derived SQL changes (a new spec, a new
time zone); `check` compares each rollup with a fresh aggregation of its source.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import attrs
from sqlalchemy import (
    Connection,
    Dialect,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    literal_column,
    select,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.schema import CreateTable

from crm_core import sqltime
from crm_core.db import NAMING_CONVENTION, table_of
from crm_core.errors import PluginError
from crm_core.types import UTCDateTime, utcnow

#: Every rollup table's name starts with this (migrations leave such tables alone).
PREFIX = "rollup_"
CUSTOMER_TABLE = "crm_customer"
PAUSED = "rollup_paused"
#: The pause that `customers_changing` sets for the customer update triggers.
CUSTOMER_UPDATES = f"{CUSTOMER_TABLE}:update"
#: Stand-ins for NULL in the unique key, so that one row holds each key, NULLs included.
_NULL_INT = "0"
_NULL_TEXT = "'\x1f'"


class RollupBase(DeclarativeBase):
    """Rollup tables live outside the migrated schema: `sync` derives them from their specs."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class RollupState(RollupBase):
    """Which derived SQL each installed rollup was built from, and when."""

    __tablename__ = "rollup_state"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    signature: Mapped[str] = mapped_column(String(64))
    #: The time zone its days and months were bucketed in.
    zone: Mapped[str] = mapped_column(String(64))
    built_at: Mapped[Any] = mapped_column(UTCDateTime, default=utcnow)
    #: The table it totals, and (SQLite) the statement that adds the rows with ids
    #: :lo..:hi of that table at once, for bulk inserts (see `bulk_insert`).
    source: Mapped[str] = mapped_column(String(80), default="")
    bulk_insert: Mapped[str | None] = mapped_column(Text)
    #: (SQLite) The statement that takes the customers :ids out of the totals (:sign -1) or
    #: puts them back (:sign 1), around a bulk update of customers (see `customers_changing`).
    bulk_customers: Mapped[str | None] = mapped_column(Text)
    prune: Mapped[str | None] = mapped_column(Text)


class RollupPause(RollupBase):
    """SQLite: while a row names a table here, inserts into it skip the rollups' row triggers;
    the bulk insert then adds the whole batch with one grouped statement per rollup."""

    __tablename__ = "rollup_paused"

    source: Mapped[str] = mapped_column(String(80), primary_key=True)


@attrs.frozen
class Sql:
    """What a key or measure expression is written against: the source row `r`, the customer
    row `c`, and the calendar functions of the database in the deployment's time zone."""

    dialect: Dialect
    zone: str
    r: str = "r"
    c: str = "c"

    def local_day(self, moment: str) -> str:
        return self._compile(sqltime.local_day(literal_column(moment), self.zone))

    def local_month(self, moment: str) -> str:
        return self._compile(sqltime.local_month(literal_column(moment), self.zone))

    def date_month(self, day: str) -> str:
        return self._compile(sqltime.date_month(literal_column(day)))

    def _compile(self, expression: Any) -> str:
        compiled = expression.compile(dialect=self.dialect, compile_kwargs={"literal_binds": True})
        return str(compiled)


Expression = Callable[[Sql], str]


@attrs.frozen
class Rollup:
    """Totals of `measures` over the rows of `source`, per value of `keys`.

    `keys` and `measures` map the rollup's columns to SQL over `Sql.r` (the source row) and
    `Sql.c` (its customer). `owner_id` must be a key: the customer's owner, for visibility. The
    first measure counts rows (1 per row): a key whose count falls to 0 is removed. `where`
    selects the rows counted. A source UPDATE moves a row only when one of `source_columns`
    changes; a customer UPDATE moves its rows only when one of `customer_columns` changes.
    When the source is the customer table itself, `c` is the row. `distinct_customers` names
    a column counting the distinct customers per key.
    """

    model: type[Any]
    source: str
    keys: Mapping[str, Expression]
    measures: Mapping[str, Expression]
    source_columns: tuple[str, ...]
    customer_columns: tuple[str, ...] = ("owner_id",)
    where: Expression | None = None
    #: A column that counts the distinct customers among each key's rows ("customers
    #: contacted"): kept exact through inserts, deletes, moves and bulk loads.
    distinct_customers: str | None = None

    @property
    def table(self) -> Table:
        table = self.model.__table__
        assert isinstance(table, Table)
        return table

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def count_column(self) -> str:
        return next(iter(self.measures))

    @property
    def on_customers(self) -> bool:
        return self.source == CUSTOMER_TABLE

    def validate(self) -> None:
        if not self.name.startswith(PREFIX):
            raise PluginError(f"rollup table {self.name!r} must be named {PREFIX}...")
        if "owner_id" not in self.keys:
            raise PluginError(f"rollup {self.name!r} needs the customer's owner_id as a key")
        if not self.source_columns and not self.on_customers:
            raise PluginError(f"rollup {self.name!r} names no source column to watch")
        if self.distinct_customers and self.on_customers:
            raise PluginError(f"rollup {self.name!r} counts customers: use a measure of 1")
        named = set(self.keys) | set(self.measures) | {self.distinct_customers or "id"}
        missing = named - set(self.table.columns.keys())
        if missing:
            raise PluginError(f"rollup {self.name!r} has no column {', '.join(sorted(missing))}")


def registry(hook: Any) -> list[Rollup]:
    """Every rollup the core and the enabled plugins register, checked."""
    found: dict[str, Rollup] = {}

    def register(rollup: Rollup) -> None:
        rollup.validate()
        if rollup.name in found:
            raise PluginError(f"rollup {rollup.name!r} is registered twice")
        found[rollup.name] = rollup

    hook.crm_register_rollups(register=register)
    return list(found.values())


# -- the derived SQL ---------------------------------------------------------------------------


@attrs.frozen
class _Writer:
    """The SQL of one rollup on one database."""

    rollup: Rollup
    engine_dialect: Dialect
    zone: str

    @property
    def dialect(self) -> str:
        return self.engine_dialect.name

    @property
    def t(self) -> str:
        return self.rollup.name

    def sql(self, r: str, c: str) -> Sql:
        return Sql(self.engine_dialect, self.zone, r, c)

    def keys(self, q: Sql) -> list[str]:
        return [expression(q) for expression in self.rollup.keys.values()]

    def where(self, q: Sql) -> str:
        return f"({self.rollup.where(q)})" if self.rollup.where else "1 = 1"

    @property
    def totals(self) -> list[str]:
        """The columns added to on conflict: the measures, then the distinct count if any."""
        extra = [self.rollup.distinct_customers] if self.rollup.distinct_customers else []
        return [*self.rollup.measures, *extra]

    @property
    def columns(self) -> str:
        return ", ".join([*self.rollup.keys, *self.totals])

    def _is(self) -> str:
        return "IS NOT DISTINCT FROM" if self.dialect == "postgresql" else "IS"

    def same(self, row: str, table: str, extra: str = "") -> str:
        """SQL: `table` has a counted row of `row`'s customer under `row`'s key (the customer
        row `c` in scope is theirs)."""
        mine, theirs = self.sql(row, "c"), self.sql("s", "c")
        equal = " AND ".join(
            f"({key(theirs)}) {self._is()} ({key(mine)})" for key in self.rollup.keys.values()
        )
        return (
            f"EXISTS (SELECT 1 FROM {table} s WHERE s.customer_id = {row}.customer_id "
            f"AND {self.where(theirs)} AND {equal}{extra})"
        )

    def first_of_customer(self, extra: str = "", also_not: str = "") -> str:
        """Distinct customers among the grouped rows `r` that no other row of theirs under the
        same key explains (`extra` narrows the other rows; `also_not` adds a test)."""
        test = f"NOT {self.same('r', self.rollup.source, extra)}"
        if also_not:
            test += f" AND NOT {also_not}"
        return f"COUNT(DISTINCT CASE WHEN {test} THEN r.customer_id END)"

    @property
    def conflict(self) -> str:
        parts = []
        for name in self.rollup.keys:
            column = self.rollup.table.c[name]
            if column.nullable:
                blank = _NULL_INT if isinstance(column.type, Integer) else _NULL_TEXT
                parts.append(f"(coalesce({name}, {blank}))")
            else:
                parts.append(name)
        return ", ".join(parts)

    def upsert(self, select_sql: str) -> str:
        adds = ", ".join(f"{m} = {self.t}.{m} + excluded.{m}" for m in self.totals)
        return (
            f"INSERT INTO {self.t} ({self.columns}) {select_sql} "
            f"ON CONFLICT ({self.conflict}) DO UPDATE SET {adds}"
        )

    def prune(self) -> str:
        return f"DELETE FROM {self.t} WHERE {self.rollup.count_column} = 0"

    def grouped(
        self, q: Sql, sign: str, from_sql: str, where: str, distinct: str | None = None
    ) -> str:
        """Totals of the source rows `from_sql` names, per key, with a sign. `distinct` is the
        aggregate for the distinct-customer column (default: every customer counts)."""
        keys = self.keys(q)
        sums = [f"{sign}SUM({m(q)})" for m in self.rollup.measures.values()]
        if self.rollup.distinct_customers:
            sums.append(f"{sign}{distinct or f'COUNT(DISTINCT {q.r}.customer_id)'}")
        positions = ", ".join(str(n) for n in range(1, len(keys) + 1))
        return (
            f"SELECT {', '.join([*keys, *sums])} FROM {from_sql} "
            f"WHERE ({where}) AND {self.where(q)} GROUP BY {positions}"
        )

    def rebuild_select(self) -> str:
        if self.rollup.on_customers:
            return self.grouped(self.sql("r", "r"), "", f"{CUSTOMER_TABLE} r", "1 = 1")
        return self.grouped(
            self.sql("r", "c"),
            "",
            f"{self.rollup.source} r JOIN {CUSTOMER_TABLE} c ON c.id = r.customer_id",
            "1 = 1",
        )

    def bulk_insert_sql(self) -> str | None:
        """SQLite: add the source rows with ids :lo..:hi (a bulk insert) in one statement."""
        if self.dialect != "sqlite":
            return None
        if self.rollup.on_customers:
            rows, q = f"{CUSTOMER_TABLE} r", self.sql("r", "r")
        else:
            rows = f"{self.rollup.source} r JOIN {CUSTOMER_TABLE} c ON c.id = r.customer_id"
            q = self.sql("r", "c")
        first = (
            self.first_of_customer(" AND s.id < :lo") if self.rollup.distinct_customers else None
        )
        return self.upsert(self.grouped(q, "", rows, "r.id BETWEEN :lo AND :hi", first))

    def bulk_customers_sql(self) -> str | None:
        """SQLite: every row of the customers :ids, added to the totals with :sign (1 or -1)."""
        if self.dialect != "sqlite":
            return None
        mine = "r.id IN (SELECT value FROM json_each(:ids))"
        if self.rollup.on_customers:
            return self.upsert(
                self.grouped(self.sql("r", "r"), ":sign * ", f"{CUSTOMER_TABLE} r", mine)
            )
        rows = f"{self.rollup.source} r JOIN {CUSTOMER_TABLE} c ON c.id = r.customer_id"
        return self.upsert(
            self.grouped(
                self.sql("r", "c"), ":sign * ", rows, mine.replace("r.id", "r.customer_id")
            )
        )

    def table_ddl(self) -> list[str]:
        return [
            str(CreateTable(self.rollup.table).compile(dialect=self.engine_dialect)).strip(),
            f"CREATE UNIQUE INDEX {self.t}_key ON {self.t} ({self.conflict})",
            f"CREATE INDEX {self.t}_empty ON {self.t} ({self.rollup.count_column}) "
            f"WHERE {self.rollup.count_column} = 0",
        ]

    def _customer_watch(self, old: str, new: str) -> str:
        return " OR ".join(
            f"{old}.{col} IS DISTINCT FROM {new}.{col}"
            if self.dialect == "postgresql"
            else f"{old}.{col} IS NOT {new}.{col}"
            for col in self.rollup.customer_columns
        )

    def _source_watch(self, old: str, new: str) -> str:
        return " OR ".join(
            f"{old}.{col} IS DISTINCT FROM {new}.{col}"
            if self.dialect == "postgresql"
            else f"{old}.{col} IS NOT {new}.{col}"
            for col in self.rollup.source_columns
        )

    # SQLite: row triggers; the statements read the row as NEW / OLD.

    def _sqlite_row(self, row: str, sign: str, alone: str = "") -> str:
        """One row's totals; `alone` is when the row is the only one of its customer under its
        key (for the distinct-customer column)."""
        c = row if self.rollup.on_customers else "c"
        q = self.sql(row, c)
        values = [*self.keys(q), *(f"{sign}({m(q)})" for m in self.rollup.measures.values())]
        if self.rollup.distinct_customers:
            values.append(f"{sign}(CASE WHEN {alone} THEN 1 ELSE 0 END)")
        source = "" if self.rollup.on_customers else f" FROM {CUSTOMER_TABLE} c"
        where = self.where(q)
        if not self.rollup.on_customers:
            where = f"c.id = {row}.customer_id AND {where}"
        return self.upsert(f"SELECT {', '.join(values)}{source} WHERE {where}")

    def _move_customer(self, customer: str, sign: str) -> str:
        q = self.sql("r", customer)
        return self.upsert(
            self.grouped(q, sign, f"{self.rollup.source} r", f"r.customer_id = {customer}.id")
        )

    @staticmethod
    def _not_paused(what: str) -> str:
        return f"NOT EXISTS (SELECT 1 FROM {PAUSED} WHERE source = '{what}')"

    def _sqlite_alone(self, row: str, other: str = "") -> str:
        if not self.rollup.distinct_customers:
            return ""
        extra = f" AND s.id <> {row}.id" if row == "NEW" else ""
        test = f"NOT {self.same(row, self.rollup.source, extra)}"
        if other:  # an update: the row's old version under the same key counted it already
            mine, theirs = self.sql(row, "c"), self.sql(other, "c")
            equal = " AND ".join(
                f"({key(theirs)}) IS ({key(mine)})" for key in self.rollup.keys.values()
            )
            test += (
                f" AND NOT ({other}.customer_id = {row}.customer_id "
                f"AND {self.where(theirs)} AND {equal})"
            )
        return test

    def sqlite_triggers(self) -> list[tuple[str, str]]:
        t, source = self.t, self.rollup.source
        triggers = [
            (
                f"{t}_insert",
                f"CREATE TRIGGER {t}_insert AFTER INSERT ON {source} "
                f"WHEN {self._not_paused(source)} BEGIN "
                f"{self._sqlite_row('NEW', '', self._sqlite_alone('NEW'))}; END",
            ),
            (
                f"{t}_delete",
                f"CREATE TRIGGER {t}_delete AFTER DELETE ON {source} BEGIN "
                f"{self._sqlite_row('OLD', '-', self._sqlite_alone('OLD'))}; {self.prune()}; END",
            ),
        ]
        watched = list(self.rollup.source_columns)
        if self.rollup.on_customers:
            watched += [c for c in self.rollup.customer_columns if c not in watched]
        changed = " OR ".join(f"OLD.{col} IS NOT NEW.{col}" for col in watched)
        if self.rollup.on_customers:
            changed = f"({changed}) AND {self._not_paused(CUSTOMER_UPDATES)}"
        triggers.append(
            (
                f"{t}_update",
                f"CREATE TRIGGER {t}_update AFTER UPDATE OF {', '.join(watched)} ON {source} "
                f"WHEN {changed} BEGIN "
                f"{self._sqlite_row('OLD', '-', self._sqlite_alone('OLD'))}; "
                f"{self._sqlite_row('NEW', '', self._sqlite_alone('NEW', 'OLD'))}; "
                f"{self.prune()}; END",
            )
        )
        if not self.rollup.on_customers:
            columns = ", ".join(self.rollup.customer_columns)
            triggers += [
                (
                    f"{t}_customer_update",
                    f"CREATE TRIGGER {t}_customer_update AFTER UPDATE OF {columns} "
                    f"ON {CUSTOMER_TABLE} WHEN ({self._customer_watch('OLD', 'NEW')}) "
                    f"AND {self._not_paused(CUSTOMER_UPDATES)} BEGIN "
                    f"{self._move_customer('OLD', '-')}; {self._move_customer('NEW', '')}; "
                    f"{self.prune()}; END",
                ),
                (
                    f"{t}_customer_delete",
                    f"CREATE TRIGGER {t}_customer_delete BEFORE DELETE ON {CUSTOMER_TABLE} "
                    f"BEGIN {self._move_customer('OLD', '-')}; {self.prune()}; END",
                ),
            ]
        return triggers

    # PostgreSQL: statement triggers over the transition tables, one grouped upsert per
    # statement (a transfer of 5,000 customers is one statement, not 5,000 calls).

    def _pg_rows(
        self, rows: str, sign: str, where: str = "1 = 1", join: str = "", distinct: str = ""
    ) -> str:
        if self.rollup.on_customers:
            return self.upsert(self.grouped(self.sql("r", "r"), sign, f"{rows} r{join}", where))
        return self.upsert(
            self.grouped(
                self.sql("r", "c"),
                sign,
                f"{rows} r{join} JOIN {CUSTOMER_TABLE} c ON c.id = r.customer_id",
                where,
                distinct or None,
            )
        )

    def _pg_function(self, name: str, body: list[str], returns: str = "NULL") -> str:
        statements = "".join(f"  {statement};\n" for statement in body)
        return (
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $body$\nBEGIN\n"
            f"{statements}  RETURN {returns};\nEND\n$body$"
        )

    def pg_triggers(self) -> list[tuple[str, str, list[str]]]:
        """(trigger name, the table it is on, [its function's DDL, the trigger's DDL])."""
        t, source = self.t, self.rollup.source
        watched = list(self.rollup.source_columns)
        if self.rollup.on_customers:
            watched += [c for c in self.rollup.customer_columns if c not in watched]
        moved = " OR ".join(f"o.{col} IS DISTINCT FROM n.{col}" for col in watched)
        moved_r_n = moved.replace("o.", "r.")
        moved_o_r = moved.replace("n.", "r.")
        # Distinct customers: a customer counts under a key after a statement iff some row of
        # theirs is there now, and counted before iff one was there before (the rows the
        # statement did not write, and the old versions of those it did).
        gone, added, arrived = "", "", ""
        if self.rollup.distinct_customers:
            written = " AND NOT EXISTS (SELECT 1 FROM new_rows x WHERE x.id = s.id)"
            gone = self.first_of_customer()
            added = self.first_of_customer(written)
            arrived = self.first_of_customer(written, self.same("r", "old_rows"))
        plans: list[tuple[str, str, str, list[str]]] = [
            (
                "insert",
                "AFTER INSERT",
                "NEW TABLE AS new_rows",
                [self._pg_rows("new_rows", "", distinct=added)],
            ),
            (
                "delete",
                "AFTER DELETE",
                "OLD TABLE AS old_rows",
                [self._pg_rows("old_rows", "-", distinct=gone), self.prune()],
            ),
            (
                "update",
                "AFTER UPDATE",
                "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                [
                    self._pg_rows(
                        "old_rows", "-", moved_r_n, " JOIN new_rows n ON n.id = r.id", gone
                    ),
                    self._pg_rows(
                        "new_rows", "", moved_o_r, " JOIN old_rows o ON o.id = r.id", arrived
                    ),
                    self.prune(),
                ],
            ),
        ]
        found = []
        for event, when, transition, body in plans:
            function = f"{t}_on_{event}"
            found.append(
                (
                    f"{t}_{event}",
                    source,
                    [
                        self._pg_function(function, body),
                        f"CREATE TRIGGER {t}_{event} {when} ON {source} "
                        f"REFERENCING {transition} "
                        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
                    ],
                )
            )
        if not self.rollup.on_customers:
            watch = self._customer_watch("o", "n")
            away = self.upsert(
                self.grouped(
                    self.sql("r", "o"),
                    "-",
                    f"{source} r JOIN old_rows o ON o.id = r.customer_id "
                    "JOIN new_rows n ON n.id = o.id",
                    f"({watch})",
                )
            )
            to = self.upsert(
                self.grouped(
                    self.sql("r", "n"),
                    "",
                    f"{source} r JOIN new_rows n ON n.id = r.customer_id "
                    "JOIN old_rows o ON o.id = n.id",
                    f"({watch})",
                )
            )
            found.append(
                (
                    f"{t}_customer_update",
                    CUSTOMER_TABLE,
                    [
                        self._pg_function(f"{t}_on_customer_update", [away, to, self.prune()]),
                        f"CREATE TRIGGER {t}_customer_update AFTER UPDATE ON {CUSTOMER_TABLE} "
                        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
                        f"FOR EACH STATEMENT EXECUTE FUNCTION {t}_on_customer_update()",
                    ],
                )
            )
            found.append(
                (
                    f"{t}_customer_delete",
                    CUSTOMER_TABLE,
                    [
                        self._pg_function(
                            f"{t}_on_customer_delete",
                            [self._move_customer("OLD", "-"), self.prune()],
                            returns="OLD",
                        ),
                        f"CREATE TRIGGER {t}_customer_delete BEFORE DELETE ON {CUSTOMER_TABLE} "
                        f"FOR EACH ROW EXECUTE FUNCTION {t}_on_customer_delete()",
                    ],
                )
            )
        return found

    def install_statements(self) -> list[str]:
        statements = self.table_ddl()
        if self.dialect == "postgresql":
            for _name, _table, ddl in self.pg_triggers():
                statements += ddl
        else:
            statements += [ddl for _name, ddl in self.sqlite_triggers()]
        return statements

    def drop_statements(self) -> list[str]:
        if self.dialect == "postgresql":
            drops = [
                f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table, _ in self.pg_triggers()
            ]
            drops += [
                f"DROP FUNCTION IF EXISTS {name.replace(self.t + '_', self.t + '_on_', 1)}()"
                for name, _table, _ in self.pg_triggers()
            ]
        else:
            drops = [f"DROP TRIGGER IF EXISTS {name}" for name, _ in self.sqlite_triggers()]
        return [*drops, f"DROP TABLE IF EXISTS {self.t}"]

    def signature(self) -> str:
        text = "\n".join([*self.install_statements(), self.rebuild_select()])
        return hashlib.sha256(text.encode()).hexdigest()


# -- installing, rebuilding, checking -----------------------------------------------------------


def _writer(connection: Connection, rollup: Rollup, zone: str) -> _Writer:
    return _Writer(rollup, connection.dialect, zone)


def sync(connection: Connection, rollups: Iterable[Rollup], zone: str) -> list[str]:
    """Install each rollup whose derived SQL differs from what was built, and remove those no
    longer registered; returns the names (re)built.

    Runs inside the caller's transaction: a failure leaves every rollup as it was.
    """
    state = table_of(RollupState)
    if state.name in inspect(connection).get_table_names() and "bulk_customers" not in {
        column["name"] for column in inspect(connection).get_columns(state.name)
    }:
        state.drop(connection)  # built by an earlier version: everything is rebuilt
    state.create(connection, checkfirst=True)
    table_of(RollupPause).create(connection, checkfirst=True)
    built = {name: sig for name, sig in connection.execute(select(state.c.name, state.c.signature))}
    rollups = list(rollups)
    wanted = {rollup.name for rollup in rollups}
    for name in sorted(set(built) - wanted):  # no longer registered: a plugin disabled, renamed
        _remove(connection, name + "_")
        connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}"')
        connection.execute(state.delete().where(state.c.name == name))
        for other in wanted:  # "rollup_a_" also matched rollup_a_b's triggers: reinstall it
            if other.startswith(name + "_"):
                built.pop(other, None)
    rebuilt = []
    for rollup in rollups:
        writer = _writer(connection, rollup, zone)
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
                prune=writer.prune(),
            )
        )
        rebuilt.append(rollup.name)
    return rebuilt


def detach(connection: Connection) -> list[str]:
    """Remove every rollup (triggers, functions, tables, build records) before the schema changes.

    A migration that rebuilds a table (SQLite's batch "copy and rename") would drop the
    triggers on it, or fail on triggers that name it; and rows written while triggers are gone
    would be missed. So rollups are removed first and `sync` derives them again afterwards.
    Returns the tables removed.
    """
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


@contextmanager
def bulk_insert(connection: Connection, table: str) -> Iterator[None]:
    """Around a bulk insert into `table` on SQLite: its rollups' row triggers are paused and the
    new rows (ids above the previous largest) are added per rollup in one grouped statement, in
    the same transaction. PostgreSQL's statement triggers already work per statement."""
    if connection.dialect.name != "sqlite":
        yield
        return
    statements = _bulk_statements(connection, table)
    if not statements:
        yield
        return
    before = int(
        connection.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {table}").scalar_one()
    )
    connection.exec_driver_sql(f"INSERT INTO {PAUSED} (source) VALUES (?)", (table,))
    try:
        yield
    finally:
        connection.exec_driver_sql(f"DELETE FROM {PAUSED} WHERE source = ?", (table,))
    after = int(
        connection.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {table}").scalar_one()
    )
    if after > before:
        for statement in statements:
            connection.execute(sql_text(statement), {"lo": before + 1, "hi": after})


@contextmanager
def customers_changing(connection: Connection, ids: Sequence[int]) -> Iterator[None]:
    """Around one UPDATE of many customers on SQLite: their rows leave every rollup in one
    grouped statement per rollup, the row triggers stay quiet during the update, and the rows
    come back under the customers' new values. Wrap the UPDATE alone: other writes inside the
    block would be counted against totals the customers are out of."""
    if connection.dialect.name != "sqlite" or not ids:
        yield
        return
    statements = _state_statements(connection, table_of(RollupState).c.bulk_customers)
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
    connection.exec_driver_sql(f"INSERT INTO {PAUSED} (source) VALUES (?)", (CUSTOMER_UPDATES,))
    try:
        yield
    finally:
        connection.exec_driver_sql(f"DELETE FROM {PAUSED} WHERE source = ?", (CUSTOMER_UPDATES,))
    apply(1)


def _state_statements(connection: Connection, column: Any) -> list[tuple[str, str | None]]:
    has_state = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rollup_state'"
    ).first()
    if has_state is None:
        return []
    state = table_of(RollupState)
    return [
        (statement, prune)
        for statement, prune in connection.execute(select(column, state.c.prune))
        if statement
    ]


def _bulk_statements(connection: Connection, table: str) -> list[str]:
    has_state = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rollup_state'"
    ).first()
    if has_state is None:
        return []
    state = table_of(RollupState)
    return [
        statement
        for statement in connection.scalars(
            select(state.c.bulk_insert).where(state.c.source == table)
        )
        if statement
    ]


def ready(connection: Connection, rollup: Rollup, zone: str) -> bool:
    """Whether reports may read `rollup`: installed, and bucketed in the zone they report in."""
    state = table_of(RollupState)
    if not inspect(connection).has_table(state.name):  # removed for a migration, not yet back
        return False
    built = connection.execute(
        select(state.c.zone).where(state.c.name == rollup.name)
    ).scalar_one_or_none()
    return built == zone


def rebuild(connection: Connection, rollups: Iterable[Rollup], zone: str) -> dict[str, int]:
    """Recompute each rollup from its source; returns the rows each now holds."""
    sizes = {}
    for rollup in rollups:
        writer = _writer(connection, rollup, zone)
        connection.exec_driver_sql(f"DELETE FROM {rollup.name}")
        sizes[rollup.name] = _fill(connection, writer)
        state = table_of(RollupState)
        connection.execute(
            state.update().where(state.c.name == rollup.name).values(built_at=utcnow())
        )
    return sizes


def _fill(connection: Connection, writer: _Writer) -> int:
    connection.exec_driver_sql(
        f"INSERT INTO {writer.t} ({writer.columns}) {writer.rebuild_select()}"
    )
    return int(connection.exec_driver_sql(f"SELECT count(*) FROM {writer.t}").scalar_one())


def differences(connection: Connection, rollup: Rollup, zone: str) -> int:
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


__all__ = [
    "PREFIX",
    "Rollup",
    "RollupBase",
    "RollupPause",
    "RollupState",
    "Sql",
    "bulk_insert",
    "customers_changing",
    "detach",
    "differences",
    "ready",
    "rebuild",
    "registry",
    "sync",
]
