"""The SQL that keeps a `Newest` rollup (each customer's newest source row) on one database:
its table, its triggers, and the statements that rebuild it and add a batch at once.

Inserts only ever replace a customer's row with a newer one (one upsert, no lookup). A delete
or an update that touches a customer's newest row looks that customer's newest row up again,
through the source's (customer_id, moment) index.
"""

from __future__ import annotations

import attrs
from sqlalchemy import Dialect
from sqlalchemy.schema import CreateTable

from crm_core.rollups.spec import Newest, not_paused
from crm_core.rollups.triggers import Installable, model_indexes


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
    def columns(self) -> str:
        return ", ".join(["customer_id", "source_id", "moment", *self.spec.copies])

    def _values(self, row: str) -> str:
        """The table's columns taken from source row `row`."""
        copies = [f"{row}.{source}" for source in self.spec.copies.values()]
        return ", ".join([f"{row}.customer_id", f"{row}.id", f"{row}.{self.spec.moment}", *copies])

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
            f"{name} = excluded.{name}" for name in ["source_id", "moment", *self.spec.copies]
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
        return (
            f"SELECT {self.columns} FROM (SELECT {inner} FROM {self.spec.source} r "
            f"WHERE {where}) ranked WHERE newest = 1"
        )

    def rebuild_select(self) -> str:
        return self._ranked("1 = 1")

    def bulk_insert_sql(self) -> str | None:
        """SQLite: the source rows with ids :lo..:hi (a bulk insert) in one statement."""
        if self.dialect != "sqlite":
            return None
        return self._take_newer(self._ranked("r.id BETWEEN :lo AND :hi"))

    def bulk_customers_sql(self) -> str | None:
        return None  # holds nothing of the customer row: customer updates leave it alone

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
                f"WHEN {not_paused(source)} BEGIN "
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
        ]

    def pg_triggers(self) -> list[tuple[str, str, list[str]]]:
        """(trigger name, the table it is on, [its function's DDL, the trigger's DDL])."""
        t, source = self.t, self.spec.source
        inserted = self._take_newer(
            f"SELECT DISTINCT ON (r.customer_id) {self._values('r')} FROM new_rows r "
            f"ORDER BY r.customer_id, {self._newest_first}"
        )
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
        return self._pg_statement_triggers(source, plans)
