"""The SQL that keeps a `MonthlyDays` table true: a day rollup folded into months, with a bit
per day that has a row (decision 0027).

Each row of the day rollup adds its measures and its day's bit to its month's row: an insert
adds them, a delete takes them away, an update takes the old version's away and adds the new
one's. The day rollup holds one row per day and key, so a month row's bits come from distinct
days and their sum is their OR. Row triggers on SQLite, statement triggers over transition
tables on PostgreSQL, as for the rollup itself.
"""

from __future__ import annotations

import attrs
from sqlalchemy import Dialect

from crm_core.features.rollups.derived import DerivedSql
from crm_core.features.rollups.triggers import add_totals, any_pair, unique_key
from crm_core.hooks.rollups import MonthlyDays


@attrs.frozen
class MonthlyDaysSql(DerivedSql):
    """The SQL of one `MonthlyDays` on one database."""

    spec: MonthlyDays
    engine_dialect: Dialect
    zone: str

    @property
    def keys(self) -> list[str]:
        return ["month", *self.spec.carried]

    @property
    def columns(self) -> str:
        return ", ".join([*self.keys, *self.spec.totals])

    def _values(self, row: str, sign: str) -> list[str]:
        """The month keys and signed totals of the day rollup's row `row`, named."""
        day = f"{row}.{self.spec.day}"
        bit = f"(1 << (CAST(substr({day}, 9, 2) AS INTEGER) - 1))"
        return [
            f"substr({day}, 1, 7) AS month",
            *(f"{row}.{name} AS {name}" for name in self.spec.carried),
            *(f"{sign}{row}.{name} AS {name}" for name in self.spec.of.measures),
            f"{sign}{bit} AS days",
        ]

    def _folded(self, parts: list[tuple[str, str, str]]) -> str:
        """The signed rows of `parts` (a row name, what to select it from, a sign), summed
        per month key: what `upsert` adds."""
        rows = " UNION ALL ".join(
            f"SELECT {', '.join(self._values(row, sign))}{source}" for row, source, sign in parts
        )
        sums = ", ".join(f"SUM({name})" for name in self.spec.totals)
        keys = ", ".join(self.keys)
        return f"SELECT {keys}, {sums} FROM ({rows}) folded WHERE 1 = 1 GROUP BY {keys}"

    def upsert(self, rows: str) -> str:
        conflict = unique_key(self.spec.table, self.keys)
        return add_totals(self.t, self.keys, self.spec.totals, conflict, rows)

    def prune(self) -> str:
        """Rows that hold nothing. Not those whose count alone fell to 0: the day rollup's
        row whose count fell to 0 is deleted after that, and takes its day's bit away then."""
        return f"DELETE FROM {self.t} WHERE {self.spec.count_column} = 0 AND days = 0"

    def rebuild_select(self) -> str:
        return self._folded([("b", f" FROM {self.base} b", "")])

    def _moved(self, old: str, new: str) -> str:
        """SQL: the day rollup's row `old`, updated to `new`, moved a key or a total here."""
        columns = [self.spec.day, *self.spec.carried, *self.spec.of.measures]
        is_not = "IS DISTINCT FROM" if self.dialect == "postgresql" else "IS NOT"
        return " OR ".join(f"{old}.{name} {is_not} {new}.{name}" for name in columns)

    def sqlite_triggers(self) -> list[tuple[str, str]]:
        t, base = self.t, self.base
        new, old = ("NEW", "", ""), ("OLD", "", "-")
        return [
            (
                f"{t}_insert",
                f"CREATE TRIGGER {t}_insert AFTER INSERT ON {base} BEGIN "
                f"{self.upsert(self._folded([new]))}; END",
            ),
            (
                f"{t}_update",
                f"CREATE TRIGGER {t}_update AFTER UPDATE ON {base} "
                f"WHEN {self._moved('OLD', 'NEW')} BEGIN "
                f"{self.upsert(self._folded([old, new]))}; {self.prune()}; END",
            ),
            (
                f"{t}_delete",
                f"CREATE TRIGGER {t}_delete AFTER DELETE ON {base} BEGIN "
                f"{self.upsert(self._folded([old]))}; {self.prune()}; END",
            ),
        ]

    def pg_triggers(self) -> list[tuple[str, str, list[str]]]:
        new = ("n", " FROM new_rows n", "")
        old = ("o", " FROM old_rows o", "-")
        plans = [
            ("insert", "AFTER INSERT", "NEW TABLE AS new_rows", [self.upsert(self._folded([new]))]),
            (
                "update",
                "AFTER UPDATE",
                "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                [self.upsert(self._folded([old, new])), self.prune()],
            ),
            (
                "delete",
                "AFTER DELETE",
                "OLD TABLE AS old_rows",
                [self.upsert(self._folded([old])), self.prune()],
            ),
        ]
        moved = any_pair("old_rows", "new_rows", "id", self._moved("o", "n"))
        return self._pg_statement_triggers(self.base, plans, {"update": moved})
