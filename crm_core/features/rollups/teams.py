"""The SQL that keeps a `TeamTotals` table true: a rollup's totals per team (decision 0025).

Its rows are derived from the rollup's, not from the source: every insert, update and delete
of a rollup row adds its totals (or takes them away) under the teams of its people, and a
person who changes team takes their rows from the old team's totals to the new one's. Row
triggers on SQLite, statement triggers over transition tables on PostgreSQL, as for rollups.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
from sqlalchemy import Dialect

from crm_core.features.rollups.derived import DerivedSql
from crm_core.features.rollups.triggers import add_totals, unique_key
from crm_core.hooks.rollups import TeamTotals

USER_TABLE = "crm_user"
#: PostgreSQL: the users whose team a statement on the users changed.
_MOVED = (
    "SELECT o.id FROM old_rows o JOIN new_rows n ON n.id = o.id "
    "WHERE o.team_id IS DISTINCT FROM n.team_id"
)
#: PostgreSQL: every user with their team before that statement.
_TEAMS_BEFORE = (
    f"(SELECT id, team_id FROM {USER_TABLE} WHERE id NOT IN (SELECT id FROM old_rows) "
    "UNION ALL SELECT id, team_id FROM old_rows)"
)
#: SQLite: every user with their team before the row update of one user (OLD).
_TEAM_BEFORE_ROW = (
    f"(SELECT id, CASE WHEN id = OLD.id THEN OLD.team_id ELSE team_id END AS team_id "
    f"FROM {USER_TABLE})"
)


@attrs.frozen
class TeamSql(DerivedSql):
    """The SQL of one `TeamTotals` on one database."""

    spec: TeamTotals
    engine_dialect: Dialect
    zone: str

    @property
    def keys(self) -> list[str]:
        return ["owner_team_id", "shared", *self.spec.carried.values()]

    @property
    def columns(self) -> str:
        return ", ".join([*self.keys, *self.spec.totals])

    @property
    def persons(self) -> list[str]:
        """The rollup's keys that name a user whose team is a key here, the owner first."""
        return ["owner_id", *self.spec.people]

    def upsert(self, rows: str) -> str:
        conflict = unique_key(self.spec.table, self.keys)
        return add_totals(self.t, self.keys, self.spec.totals, conflict, rows)

    def prune(self) -> str:
        return f"DELETE FROM {self.t} WHERE {self.spec.count_column} = 0"

    def _values(self, row: str, team: Callable[[str, int], str]) -> list[str]:
        """The keys of rollup row `row`; `team(column, n)` is the SQL of the team of the person
        in `row`'s `column`, the n-th of `persons`."""
        values = [team("owner_id", 0), f"CASE WHEN {row}.owner_id IS NULL THEN 1 ELSE 0 END"]
        for name in self.spec.carried:
            if name in self.spec.people:
                values.append(team(name, self.persons.index(name)))
            else:
                values.append(f"{row}.{name}")
        return values

    def grouped(self, rows: str, sign: str, where: str = "1 = 1", teams: str = USER_TABLE) -> str:
        """The rollup rows `rows` (a table or transition table) summed per team key, with a
        sign; `teams` is the relation (id, team_id) that says each person's team."""
        joins = "".join(
            f" LEFT JOIN {teams} u{n} ON u{n}.id = b.{name}" for n, name in enumerate(self.persons)
        )
        keys = self._values("b", lambda _name, n: f"u{n}.team_id")
        sums = [f"{sign}SUM(b.{total})" for total in self.spec.totals]
        positions = ", ".join(str(n) for n in range(1, len(keys) + 1))
        return (
            f"SELECT {', '.join([*keys, *sums])} FROM {rows} b{joins} "
            f"WHERE {where} GROUP BY {positions}"
        )

    def _row(self, row: str, sign: str) -> str:
        """SQLite: one rollup row's totals (NEW or OLD), with a sign."""
        keys = self._values(
            row, lambda name, _n: f"(SELECT team_id FROM {USER_TABLE} WHERE id = {row}.{name})"
        )
        sums = [f"{sign}{row}.{total}" for total in self.spec.totals]
        return self.upsert(f"SELECT {', '.join([*keys, *sums])} WHERE 1 = 1")

    def _of_people(self, moved: str) -> str:
        """The rollup rows `b` naming one of the users `moved` (SQL) as one of `persons`."""
        return " OR ".join(f"b.{name} IN ({moved})" for name in self.persons)

    def rebuild_select(self) -> str:
        return self.grouped(self.base, "")

    def sqlite_triggers(self) -> list[tuple[str, str]]:
        t, base = self.t, self.base
        people = self._of_people("OLD.id")
        away = self.grouped(base, "-", people, _TEAM_BEFORE_ROW)
        back = self.grouped(base, "", people)
        return [
            (
                f"{t}_insert",
                f"CREATE TRIGGER {t}_insert AFTER INSERT ON {base} BEGIN "
                f"{self._row('NEW', '')}; END",
            ),
            (
                f"{t}_update",
                f"CREATE TRIGGER {t}_update AFTER UPDATE ON {base} BEGIN "
                f"{self._row('OLD', '-')}; {self._row('NEW', '')}; {self.prune()}; END",
            ),
            (
                f"{t}_delete",
                f"CREATE TRIGGER {t}_delete AFTER DELETE ON {base} BEGIN "
                f"{self._row('OLD', '-')}; {self.prune()}; END",
            ),
            (
                f"{t}_user_update",
                f"CREATE TRIGGER {t}_user_update AFTER UPDATE OF team_id ON {USER_TABLE} "
                f"WHEN OLD.team_id IS NOT NEW.team_id BEGIN "
                f"{self.upsert(away)}; {self.upsert(back)}; {self.prune()}; END",
            ),
        ]

    def pg_triggers(self) -> list[tuple[str, str, list[str]]]:
        both = "OLD TABLE AS old_rows NEW TABLE AS new_rows"
        plans = [
            ("insert", "AFTER INSERT", "NEW TABLE AS new_rows", [self._pg("new_rows", "")]),
            (
                "update",
                "AFTER UPDATE",
                both,
                [self._pg("old_rows", "-"), self._pg("new_rows", ""), self.prune()],
            ),
            (
                "delete",
                "AFTER DELETE",
                "OLD TABLE AS old_rows",
                [self._pg("old_rows", "-"), self.prune()],
            ),
        ]
        people = self._of_people(_MOVED)
        away = self.upsert(self.grouped(self.base, "-", people, _TEAMS_BEFORE))
        back = self.upsert(self.grouped(self.base, "", people))
        moves = [("user_update", "AFTER UPDATE", both, [away, back, self.prune()])]
        return [
            *self._pg_statement_triggers(self.base, plans),
            *self._pg_statement_triggers(USER_TABLE, moves, {"user_update": f"EXISTS ({_MOVED})"}),
        ]

    def _pg(self, rows: str, sign: str) -> str:
        return self.upsert(self.grouped(rows, sign))
