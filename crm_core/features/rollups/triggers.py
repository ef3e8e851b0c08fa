"""The SQL a rollup is kept with, derived from its spec on one database: its table and
indexes, its triggers (row triggers on SQLite, statement triggers on PostgreSQL), the grouped
statements that rebuild it and that add a batch at once."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import attrs
from sqlalchemy import Dialect, Integer, Table
from sqlalchemy.schema import CreateIndex, CreateTable

from crm_core.features.rollups.spec import (
    CUSTOMER_UPDATES,
    NULL_INT,
    NULL_TEXT,
    quiet_mark,
    updates_of,
)
from crm_core.hooks.rollups import CUSTOMER_TABLE, Rollup, Sql

#: A statement trigger over at most this many rows runs its session's cached plans; over
#: more, each statement is planned for its transition tables' sizes (`_pg_function`).
FEW_ROWS = 64


def any_pair(old: str, new: str, key: str, differ: str) -> str:
    """SQL: some row of `old` (as `o`) and its new version in `new` (as `n`), paired by `key`,
    satisfy `differ`."""
    return f"EXISTS (SELECT 1 FROM {old} o JOIN {new} n ON n.{key} = o.{key} WHERE {differ})"


def model_indexes(table: Table, dialect: Dialect) -> list[str]:
    """The DDL of the indexes a rollup's model declares (`__table_args__`)."""
    return [
        str(CreateIndex(index).compile(dialect=dialect)).strip()
        for index in sorted(table.indexes, key=lambda index: str(index.name))
    ]


def unique_key(table: Table, keys: list[str]) -> str:
    """The expressions of a totals table's unique key over `keys`: a nullable key with its
    stand-in for NULL, so that one row holds each key, NULLs included."""
    parts = []
    for name in keys:
        column = table.c[name]
        if column.nullable:
            blank = NULL_INT if isinstance(column.type, Integer) else NULL_TEXT
            parts.append(f"(coalesce({name}, {blank}))")
        else:
            parts.append(name)
    return ", ".join(parts)


def add_totals(table: str, keys: list[str], totals: list[str], conflict: str, rows: str) -> str:
    """SQL adding the rows of the SELECT `rows` (keys, then totals) to the totals table."""
    adds = ", ".join(f"{m} = {table}.{m} + excluded.{m}" for m in totals)
    return (
        f"INSERT INTO {table} ({', '.join([*keys, *totals])}) {rows} "
        f"ON CONFLICT ({conflict}) DO UPDATE SET {adds}"
    )


def totals_table(table: Table, conflict: str, count: str, on: Installable) -> list[str]:
    """DDL of a totals table: the table, its unique key, the partial index that finds the keys
    whose count fell to 0, and the indexes its model declares."""
    return [
        str(CreateTable(table).compile(dialect=on.engine_dialect)).strip(),
        f"CREATE UNIQUE INDEX {table.name}_key ON {table.name} ({conflict})",
        f"CREATE INDEX {table.name}_empty ON {table.name} ({count}) WHERE {count} = 0",
        *model_indexes(table, on.engine_dialect),
    ]


class Installable:
    """What a rollup writer installs and drops, and the signature that says it changed."""

    engine_dialect: Dialect

    @property
    def t(self) -> str:
        raise NotImplementedError

    @property
    def dialect(self) -> str:
        return self.engine_dialect.name

    @staticmethod
    def _pg_function(
        name: str,
        body: list[str],
        returns: str = "NULL",
        sized_by: str | None = None,
        needed: str | None = None,
    ) -> str:
        """A trigger function running the statements `body`. For a statement trigger,
        `sized_by` names a transition table: statements over more than `FEW_ROWS` of it are
        planned for their own size (`EXECUTE`), the others run the session's cached plan, and
        only if `needed` (a test over the transition tables) holds, when given.

        PL/pgSQL plans a statement without parameters once per session, for the sizes of the
        transition tables at its first run: after a one-row edit, a join of two tables of
        4,000 rows each would run as nested loops (a transfer of thousands of customers after a
        few one-customer edits in the same session). `needed` spares an edit that moves no
        row the statements, and the triggers their writes would fire."""
        statements = "".join(f"  {statement};\n" for statement in body)
        if sized_by is not None:
            planned = "".join(f"    EXECUTE $sql${statement}$sql$;\n" for statement in body)
            cached = "".join(f"    {statement};\n" for statement in body)
            otherwise = "  ELSE\n" if needed is None else f"  ELSIF {needed} THEN\n"
            statements = (
                f"  IF EXISTS (SELECT 1 FROM {sized_by} OFFSET {FEW_ROWS}) THEN\n{planned}"
                f"{otherwise}{cached}  END IF;\n"
            )
        return (
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $body$\nBEGIN\n"
            f"{statements}  RETURN {returns};\nEND\n$body$"
        )

    def _pg_statement_triggers(
        self,
        table: str,
        plans: list[tuple[str, str, str, list[str]]],
        needed: Mapping[str, str] | None = None,
    ) -> list[tuple[str, str, list[str]]]:
        """PostgreSQL: for each (event, timing, transition tables, statements) a trigger
        function and the statement trigger on `table` that runs it; `needed` maps an event to
        the test that its statement moved rows (see `_pg_function`)."""
        found = []
        for event, when, transition, body in plans:
            function = f"{self.t}_on_{event}"
            sized_by = "new_rows" if "new_rows" in transition else "old_rows"
            test = (needed or {}).get(event)
            found.append(
                (
                    f"{self.t}_{event}",
                    table,
                    [
                        self._pg_function(function, body, sized_by=sized_by, needed=test),
                        f"CREATE TRIGGER {self.t}_{event} {when} ON {table} "
                        f"REFERENCING {transition} "
                        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
                    ],
                )
            )
        return found

    def table_ddl(self) -> list[str]:
        raise NotImplementedError

    def rebuild_select(self) -> str:
        raise NotImplementedError

    def sqlite_triggers(self) -> list[tuple[str, str]]:
        raise NotImplementedError

    def pg_triggers(self) -> list[tuple[str, str, list[str]]]:
        raise NotImplementedError

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


@attrs.frozen
class RollupSql(Installable):
    """The SQL of one rollup on one database."""

    rollup: Rollup
    engine_dialect: Dialect
    zone: str

    @property
    def t(self) -> str:
        return self.rollup.name

    def sql(self, r: str, c: str, p: str = "p") -> Sql:
        return Sql(self.engine_dialect, self.zone, r, c, p)

    def _parent(self, row: str = "r", lateral: bool = False) -> str:
        """SQL joining the parent row `p` of source row `row` (nothing without a parent); in a
        PostgreSQL trigger a LATERAL lookup by key (see `_pg_rows`)."""
        parent = self.rollup.parent
        if parent is None:
            return ""
        if lateral:
            return (
                f" CROSS JOIN LATERAL (SELECT * FROM {parent.table} "
                f"WHERE id = {row}.{parent.key} OFFSET 0) p"
            )
        return f" JOIN {parent.table} p ON p.id = {row}.{parent.key}"

    @property
    def _source_rows(self) -> str:
        """The source rows `r` with their customer `c` (and parent `p`)."""
        return (
            f"{self.rollup.source} r JOIN {CUSTOMER_TABLE} c ON c.id = r.customer_id"
            f"{self._parent()}"
        )

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

    def _was_there(self) -> str:
        """PostgreSQL update: `r`'s customer had a counted row under `r`'s key before the
        statement, among the rows it changed (their old versions), as one hashed lookup."""
        before = self.sql("o", "oc")
        mine = self.sql("r", "c")
        keys = [self._blank_safe(name, key(mine)) for name, key in self.rollup.keys.items()]
        theirs = [self._blank_safe(name, key(before)) for name, key in self.rollup.keys.items()]
        return (
            f"((r.customer_id, {', '.join(keys)}) IN (SELECT o.customer_id, {', '.join(theirs)} "
            f"FROM old_rows o JOIN {CUSTOMER_TABLE} oc ON oc.id = o.customer_id "
            f"WHERE {self.where(before)}))"
        )

    def _blank_safe(self, name: str, expression: str) -> str:
        """`expression` for key column `name`, with NULL as its stand-in (IN compares with =)."""
        column = self.rollup.table.c[name]
        if not column.nullable:
            return f"({expression})"
        blank = NULL_INT if isinstance(column.type, Integer) else NULL_TEXT
        return f"coalesce(({expression}), {blank})"

    def first_of_customer(self, extra: str = "", also_not: str = "") -> str:
        """Distinct customers among the grouped rows `r` that no other row of theirs under the
        same key explains (`extra` narrows the other rows; `also_not` adds a test)."""
        test = f"NOT {self.same('r', self.rollup.source, extra)}"
        if also_not:
            test += f" AND NOT {also_not}"
        return f"COUNT(DISTINCT CASE WHEN {test} THEN r.customer_id END)"

    @property
    def conflict(self) -> str:
        return unique_key(self.rollup.table, list(self.rollup.keys))

    def upsert(self, select_sql: str) -> str:
        return add_totals(self.t, list(self.rollup.keys), self.totals, self.conflict, select_sql)

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
        return self.grouped(self.sql("r", "c"), "", self._source_rows, "1 = 1")

    def bulk_insert_sql(self) -> str | None:
        """SQLite: add the source rows with ids :lo..:hi (a bulk insert) in one statement."""
        if self.dialect != "sqlite" or not self.rollup.keyed_by_id:
            return None
        if self.rollup.on_customers:
            rows, q = f"{CUSTOMER_TABLE} r", self.sql("r", "r")
        else:
            rows, q = self._source_rows, self.sql("r", "c")
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
        return self.upsert(
            self.grouped(
                self.sql("r", "c"),
                ":sign * ",
                self._source_rows,
                mine.replace("r.id", "r.customer_id"),
            )
        )

    def bulk_parents_sql(self) -> str | None:
        """SQLite: every row hanging from the parents :ids, added with :sign (1 or -1)."""
        if self.dialect != "sqlite" or self.rollup.parent is None:
            return None
        return self.upsert(
            self.grouped(
                self.sql("r", "c"),
                ":sign * ",
                self._source_rows,
                "p.id IN (SELECT value FROM json_each(:ids))",
            )
        )

    def table_ddl(self) -> list[str]:
        return totals_table(self.rollup.table, self.conflict, self.rollup.count_column, self)

    def _customer_watch(self, old: str, new: str) -> str:
        return " OR ".join(
            f"{old}.{col} IS DISTINCT FROM {new}.{col}"
            if self.dialect == "postgresql"
            else f"{old}.{col} IS NOT {new}.{col}"
            for col in self.rollup.customer_columns
        )

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
        if self.rollup.parent:
            source += f", {self.rollup.parent.table} p"
            where = f"p.id = {row}.{self.rollup.parent.key} AND {where}"
        return self.upsert(f"SELECT {', '.join(values)}{source} WHERE {where}")

    def _move_customer(self, customer: str, sign: str) -> str:
        q = self.sql("r", customer)
        return self.upsert(
            self.grouped(
                q, sign, f"{self.rollup.source} r{self._parent()}", f"r.customer_id = {customer}.id"
            )
        )

    def _move_parent(self, parent: str, sign: str) -> str:
        """The rows hanging from parent row `parent` (OLD or NEW), with a sign."""
        assert self.rollup.parent is not None
        return self.upsert(
            self.grouped(
                self.sql("r", "c", parent),
                sign,
                f"{self.rollup.source} r JOIN {CUSTOMER_TABLE} c ON c.id = r.customer_id",
                f"r.{self.rollup.parent.key} = {parent}.id",
            )
        )

    def _parent_watch(self, old: str, new: str) -> str:
        assert self.rollup.parent is not None
        differ = "IS DISTINCT FROM" if self.dialect == "postgresql" else "IS NOT"
        return " OR ".join(
            f"{old}.{col} {differ} {new}.{col}" for col in self.rollup.parent.columns
        )

    def _sqlite_alone(self, row: str, other: str = "") -> str:
        if not self.rollup.distinct_customers:
            return ""
        key = self.rollup.key
        extra = f" AND s.{key} <> {row}.{key}" if row == "NEW" else ""
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
                f"{quiet_mark(source)} BEGIN "
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
            changed = f"({changed}) {quiet_mark(CUSTOMER_UPDATES)}"
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
                    f"{quiet_mark(CUSTOMER_UPDATES)} BEGIN "
                    f"{self._move_customer('OLD', '-')}; {self._move_customer('NEW', '')}; "
                    f"{self.prune()}; END",
                ),
                (
                    f"{t}_customer_delete",
                    f"CREATE TRIGGER {t}_customer_delete BEFORE DELETE ON {CUSTOMER_TABLE} "
                    f"BEGIN {self._move_customer('OLD', '-')}; {self.prune()}; END",
                ),
            ]
        parent = self.rollup.parent
        if parent is not None:
            triggers += [
                (
                    f"{t}_parent_update",
                    f"CREATE TRIGGER {t}_parent_update AFTER UPDATE OF "
                    f"{', '.join(parent.columns)} ON {parent.table} "
                    f"WHEN ({self._parent_watch('OLD', 'NEW')}) "
                    f"{quiet_mark(updates_of(parent.table))} BEGIN "
                    f"{self._move_parent('OLD', '-')}; {self._move_parent('NEW', '')}; "
                    f"{self.prune()}; END",
                ),
                (
                    f"{t}_parent_delete",
                    f"CREATE TRIGGER {t}_parent_delete BEFORE DELETE ON {parent.table} "
                    f"BEGIN {self._move_parent('OLD', '-')}; {self.prune()}; END",
                ),
            ]
        return triggers

    # PostgreSQL: statement triggers over the transition tables, one grouped upsert per
    # statement (a transfer of 5,000 customers is one statement, not 5,000 calls). The source
    # and customer rows are reached through LATERAL lookups by key (OFFSET 0 keeps the planner
    # from flattening them into a hash join, which reads a whole table of millions for a
    # statement that wrote a few hundred rows).

    def _pg_rows(
        self, rows: str, sign: str, where: str = "1 = 1", join: str = "", distinct: str = ""
    ) -> str:
        if self.rollup.on_customers:
            return self.upsert(self.grouped(self.sql("r", "r"), sign, f"{rows} r{join}", where))
        return self.upsert(
            self.grouped(
                self.sql("r", "c"),
                sign,
                f"{rows} r{join} CROSS JOIN LATERAL "
                f"(SELECT * FROM {CUSTOMER_TABLE} WHERE id = r.customer_id OFFSET 0) c"
                f"{self._parent('r', lateral=True)}",
                where,
                distinct or None,
            )
        )

    def _pg_customers_moved(self, side: str, sign: str) -> str:
        """PostgreSQL: the rows of the customers an UPDATE re-keyed, under their old values
        (`side` "o", sign "-") or their new ones ("n", no sign)."""
        other = "n" if side == "o" else "o"
        table = {"o": "old_rows", "n": "new_rows"}
        return self.upsert(
            self.grouped(
                self.sql("r", side),
                sign,
                f"{table[side]} {side} JOIN {table[other]} {other} ON {other}.id = {side}.id "
                f"CROSS JOIN LATERAL (SELECT * FROM {self.rollup.source} "
                f"WHERE customer_id = {side}.id OFFSET 0) r{self._parent('r', lateral=True)}",
                f"({self._customer_watch('o', 'n')})",
            )
        )

    def _pg_parents_moved(self, side: str, sign: str) -> str:
        """PostgreSQL: the rows hanging from the parents an UPDATE changed, under their old
        values (`side` "o", sign "-") or their new ones ("n", no sign)."""
        assert self.rollup.parent is not None
        other = "n" if side == "o" else "o"
        table = {"o": "old_rows", "n": "new_rows"}
        return self.upsert(
            self.grouped(
                self.sql("r", "c", side),
                sign,
                f"{table[side]} {side} JOIN {table[other]} {other} ON {other}.id = {side}.id "
                f"CROSS JOIN LATERAL (SELECT * FROM {self.rollup.source} "
                f"WHERE {self.rollup.parent.key} = {side}.id OFFSET 0) r "
                f"CROSS JOIN LATERAL (SELECT * FROM {CUSTOMER_TABLE} "
                "WHERE id = r.customer_id OFFSET 0) c",
                f"({self._parent_watch('o', 'n')})",
            )
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
        key = self.rollup.key
        # Distinct customers: a customer counts under a key after a statement iff some row of
        # theirs is there now, and counted before iff one was there before (the rows the
        # statement did not write, and the old versions of those it did).
        gone, added, arrived = "", "", ""
        if self.rollup.distinct_customers:
            # Uncorrelated, so PostgreSQL hashes each transition table once per statement; a
            # correlated test would scan it once per row (quadratic for a COPY of 100,000).
            written = f" AND s.{key} NOT IN (SELECT {key} FROM new_rows)"
            gone = self.first_of_customer()
            added = self.first_of_customer(written)
            arrived = self.first_of_customer(written, self._was_there())
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
                        "old_rows", "-", moved_r_n, f" JOIN new_rows n ON n.{key} = r.{key}", gone
                    ),
                    self._pg_rows(
                        "new_rows", "", moved_o_r, f" JOIN old_rows o ON o.{key} = r.{key}", arrived
                    ),
                    self.prune(),
                ],
            ),
        ]
        found = self._pg_statement_triggers(
            source, plans, {"update": any_pair("old_rows", "new_rows", key, moved)}
        )
        if not self.rollup.on_customers:
            away, to = self._pg_customers_moved("o", "-"), self._pg_customers_moved("n", "")
            found.append(
                (
                    f"{t}_customer_update",
                    CUSTOMER_TABLE,
                    [
                        self._pg_function(
                            f"{t}_on_customer_update",
                            [away, to, self.prune()],
                            sized_by="new_rows",
                            needed=any_pair(
                                "old_rows", "new_rows", "id", self._customer_watch("o", "n")
                            ),
                        ),
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
        parent = self.rollup.parent
        if parent is not None:
            away, to = self._pg_parents_moved("o", "-"), self._pg_parents_moved("n", "")
            found.append(
                (
                    f"{t}_parent_update",
                    parent.table,
                    [
                        self._pg_function(
                            f"{t}_on_parent_update",
                            [away, to, self.prune()],
                            sized_by="new_rows",
                            needed=any_pair(
                                "old_rows", "new_rows", "id", self._parent_watch("o", "n")
                            ),
                        ),
                        f"CREATE TRIGGER {t}_parent_update AFTER UPDATE ON {parent.table} "
                        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
                        f"FOR EACH STATEMENT EXECUTE FUNCTION {t}_on_parent_update()",
                    ],
                )
            )
            found.append(
                (
                    f"{t}_parent_delete",
                    parent.table,
                    [
                        self._pg_function(
                            f"{t}_on_parent_delete",
                            [self._move_parent("OLD", "-"), self.prune()],
                            returns="OLD",
                        ),
                        f"CREATE TRIGGER {t}_parent_delete BEFORE DELETE ON {parent.table} "
                        f"FOR EACH ROW EXECUTE FUNCTION {t}_on_parent_delete()",
                    ],
                )
            )
        return found
