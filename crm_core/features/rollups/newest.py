"""The SQL that keeps a `Newest` rollup (each customer's newest source row) on one database:
its table, its triggers, and the statements that rebuild it and add a batch at once.

Inserts only ever replace a customer's row with a newer one (one upsert, no lookup). A delete
or an update that touches a customer's newest row looks that customer's newest row up again,
through the source's (customer_id, moment) index. Columns copied from the customer (its owner)
are looked up by key as a row is written, and rewritten when the customer's change.
"""

from __future__ import annotations

import attrs
from sqlalchemy import Dialect
from sqlalchemy.schema import CreateTable

from crm_core.features.rollups.spec import CUSTOMER_UPDATES, quiet_mark
from crm_core.features.rollups.triggers import Installable, model_indexes
from crm_core.hooks.rollups import CUSTOMER_TABLE, Newest


@attrs.frozen
class NewestSql(Installable):
    """The SQL of one `Newest` rollup on one database."""

    spec: Newest
    engine_dialect: Dialect
    zone: str

    @property
    def t(self) -> str:
        return self.spec.name

    @property
    def _own_columns(self) -> list[str]:
        """The columns taken from the source row."""
        return ["customer_id", "source_id", "moment", *self.spec.copies]

    @property
    def columns(self) -> str:
        return ", ".join([*self._own_columns, *self.spec.customer_copies])

    def _of_customer(self, customer_id: str) -> list[str]:
        """The customer copies of the customer `customer_id` (SQL), each looked up by key."""
        return [
            f"(SELECT c.{source} FROM {CUSTOMER_TABLE} c WHERE c.id = {customer_id})"
            for source in self.spec.customer_copies.values()
        ]

    def _values(self, row: str) -> str:
        """The table's columns taken from source row `row` (and its customer)."""
        copies = [f"{row}.{source}" for source in self.spec.copies.values()]
        return ", ".join(
            [
                f"{row}.customer_id",
                f"{row}.id",
                f"{row}.{self.spec.moment}",
                *copies,
                *self._of_customer(f"{row}.customer_id"),
            ]
        )

    @property
    def _watched(self) -> list[str]:
        return list(dict.fromkeys(["customer_id", self.spec.moment, *self.spec.copies.values()]))

    @property
    def _newest_first(self) -> str:
        return f"r.{self.spec.moment} DESC, r.id DESC"

    def _take_newer(self, select_sql: str) -> str:
        """Upsert: a row replaces the customer's row only if it is newer (by moment, then id)."""
        t = self.t
        sets = ", ".join(
            f"{name} = excluded.{name}"
            for name in ["source_id", "moment", *self.spec.copies, *self.spec.customer_copies]
        )
        newer = (
            f"excluded.moment > {t}.moment "
            f"OR (excluded.moment = {t}.moment AND excluded.source_id > {t}.source_id)"
        )
        return (
            f"INSERT INTO {t} ({self.columns}) {select_sql} "
            f"ON CONFLICT (customer_id) DO UPDATE SET {sets} WHERE {newer}"
        )

    def _refill(self, customers_sql: str) -> str:
        """Give each customer in `customers_sql` (a query of customer ids, or one id) that has
        no row its newest source row."""
        source = self.spec.source
        newest = (
            f"SELECT {self._values('r')} FROM {source} r WHERE r.customer_id = g.customer_id "
            f"ORDER BY {self._newest_first} LIMIT 1"
        )
        if self.dialect == "postgresql":
            picked = (
                f"SELECT l.* FROM ({customers_sql}) g(customer_id) CROSS JOIN LATERAL ({newest}) l"
            )
        else:  # one customer: a row trigger
            picked = newest.replace("g.customer_id", customers_sql)
        return (
            f"INSERT INTO {self.t} ({self.columns}) {picked} ON CONFLICT (customer_id) DO NOTHING"
        )

    def _ranked(self, where: str) -> str:
        copies = [f"r.{source} AS {name}" for name, source in self.spec.copies.items()]
        inner = ", ".join(
            [
                "r.customer_id",
                "r.id AS source_id",
                f"r.{self.spec.moment} AS moment",
                *copies,
                f"ROW_NUMBER() OVER (PARTITION BY r.customer_id ORDER BY {self._newest_first}) "
                "AS newest",
            ]
        )
        ranked = f"(SELECT {inner} FROM {self.spec.source} r WHERE {where}) ranked"
        if not self.spec.customer_copies:
            return f"SELECT {self.columns} FROM {ranked} WHERE newest = 1"
        picked = ", ".join(
            [
                *(f"ranked.{name}" for name in self._own_columns),
                *(f"c.{source}" for source in self.spec.customer_copies.values()),
            ]
        )
        return (
            f"SELECT {picked} FROM {ranked} JOIN {CUSTOMER_TABLE} c ON c.id = ranked.customer_id "
            "WHERE ranked.newest = 1"
        )

    def rebuild_select(self) -> str:
        return self._ranked("1 = 1")

    def bulk_insert_sql(self) -> str | None:
        """SQLite: the source rows with ids :lo..:hi (a bulk insert) in one statement."""
        if self.dialect != "sqlite":
            return None
        return self._take_newer(self._ranked("r.id BETWEEN :lo AND :hi"))

    def bulk_customers_sql(self) -> str | None:
        """SQLite: the customer copies of the customers :ids read again (run before and after
        one UPDATE of many customers; the second time it finds their new values)."""
        if self.dialect != "sqlite" or not self.spec.customer_copies:
            return None
        return (
            f"UPDATE {self.t} SET {self._customer_sets(f'{self.t}.customer_id')} "
            "WHERE customer_id IN (SELECT value FROM json_each(:ids))"
        )

    def _customer_sets(self, customer_id: str) -> str:
        return ", ".join(
            f"{name} = {value}"
            for name, value in zip(
                self.spec.customer_copies, self._of_customer(customer_id), strict=True
            )
        )

    def bulk_parents_sql(self) -> str | None:
        return None

    def prune(self) -> str | None:
        return None

    def table_ddl(self) -> list[str]:
        table = self.spec.table
        return [
            str(CreateTable(table).compile(dialect=self.engine_dialect)).strip(),
            *model_indexes(table, self.engine_dialect),
        ]

    def sqlite_triggers(self) -> list[tuple[str, str]]:
        t, source = self.t, self.spec.source
        changed = " OR ".join(f"OLD.{col} IS NOT NEW.{col}" for col in self._watched)
        inserted = self._take_newer(f"SELECT {self._values('NEW')}")
        return [
            (
                f"{t}_insert",
                f"CREATE TRIGGER {t}_insert AFTER INSERT ON {source} "
                f"{quiet_mark(source)} BEGIN "
                f"{inserted}; END",
            ),
            (
                f"{t}_delete",
                f"CREATE TRIGGER {t}_delete AFTER DELETE ON {source} BEGIN "
                f"DELETE FROM {t} WHERE customer_id = OLD.customer_id AND source_id = OLD.id; "
                f"{self._refill('OLD.customer_id')}; END",
            ),
            (
                f"{t}_update",
                f"CREATE TRIGGER {t}_update AFTER UPDATE OF {', '.join(self._watched)} "
                f"ON {source} WHEN {changed} BEGIN "
                f"DELETE FROM {t} WHERE customer_id IN (OLD.customer_id, NEW.customer_id); "
                f"{self._refill('OLD.customer_id')}; {self._refill('NEW.customer_id')}; END",
            ),
            *self._sqlite_customer_trigger(),
        ]

    def _sqlite_customer_trigger(self) -> list[tuple[str, str]]:
        if not self.spec.customer_copies:
            return []
        t, watched = self.t, list(self.spec.customer_copies.values())
        changed = " OR ".join(f"OLD.{col} IS NOT NEW.{col}" for col in watched)
        sets = ", ".join(f"{name} = NEW.{col}" for name, col in self.spec.customer_copies.items())
        return [
            (
                f"{t}_customer_update",
                f"CREATE TRIGGER {t}_customer_update AFTER UPDATE OF {', '.join(watched)} "
                f"ON {CUSTOMER_TABLE} WHEN ({changed}) {quiet_mark(CUSTOMER_UPDATES)} "
                f"BEGIN UPDATE {t} SET {sets} WHERE customer_id = NEW.id; END",
            )
        ]

    def pg_triggers(self) -> list[tuple[str, str, list[str]]]:
        """(trigger name, the table it is on, [its function's DDL, the trigger's DDL])."""
        t, source = self.t, self.spec.source
        newest_each = (
            f"SELECT DISTINCT ON (r.customer_id) r.* FROM new_rows r "
            f"ORDER BY r.customer_id, {self._newest_first}"
        )  # the customer copies are looked up for these rows only
        inserted = self._take_newer(f"SELECT {self._values('x')} FROM ({newest_each}) x")
        deleted_from = "SELECT DISTINCT customer_id FROM old_rows"
        olds = ", ".join(f"o.{col}" for col in self._watched)
        news = olds.replace("o.", "n.")
        moved = (
            f"SELECT DISTINCT unnest(ARRAY[o.customer_id, n.customer_id]) "
            f"FROM old_rows o JOIN new_rows n ON n.id = o.id "
            f"WHERE ({olds}) IS DISTINCT FROM ({news})"
        )
        plans = [
            ("insert", "AFTER INSERT", "NEW TABLE AS new_rows", [inserted]),
            (
                "delete",
                "AFTER DELETE",
                "OLD TABLE AS old_rows",
                [
                    f"DELETE FROM {t} WHERE (customer_id, source_id) IN "
                    "(SELECT customer_id, id FROM old_rows)",
                    self._refill(deleted_from),
                ],
            ),
            (
                "update",
                "AFTER UPDATE",
                "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                [f"DELETE FROM {t} WHERE customer_id IN ({moved})", self._refill(moved)],
            ),
        ]
        found = self._pg_statement_triggers(source, plans)
        if self.spec.customer_copies:
            olds = ", ".join(f"o.{col}" for col in self.spec.customer_copies.values())
            sets = ", ".join(f"{name} = n.{col}" for name, col in self.spec.customer_copies.items())
            moved = (
                f"UPDATE {t} SET {sets} FROM new_rows n JOIN old_rows o ON o.id = n.id "
                f"WHERE {t}.customer_id = n.id "
                f"AND ({olds}) IS DISTINCT FROM ({olds.replace('o.', 'n.')})"
            )
            transition = "OLD TABLE AS old_rows NEW TABLE AS new_rows"
            found += self._pg_statement_triggers(
                CUSTOMER_TABLE, [("customer_update", "AFTER UPDATE", transition, [moved])]
            )
        return found
