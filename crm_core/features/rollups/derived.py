"""What a table derived from a rollup's rows (`TeamTotals`, `MonthlyDays`) installs and signs
besides its triggers: a totals table of its own keys, no bulk statements (the rollup's bulk
statements write the rollup, whose triggers then keep it true), and a signature that includes
the rollup's, since rebuilding the rollup drops the triggers on it."""

from __future__ import annotations

import hashlib
from typing import Any

from crm_core.features.rollups.triggers import Installable, RollupSql, totals_table, unique_key


class DerivedSql(Installable):
    """The SQL shared by the writers of tables derived from the rollup `spec.of`."""

    spec: Any
    zone: str

    @property
    def t(self) -> str:
        return str(self.spec.name)

    @property
    def base(self) -> str:
        """The rollup table it is derived from."""
        return str(self.spec.of.name)

    @property
    def keys(self) -> list[str]:
        raise NotImplementedError

    def table_ddl(self) -> list[str]:
        conflict = unique_key(self.spec.table, self.keys)
        return totals_table(self.spec.table, conflict, self.spec.count_column, self)

    def signature(self) -> str:
        """Also the rollup's: rebuilding it drops the triggers on it, so this is rebuilt too."""
        mine = super().signature()
        theirs = RollupSql(self.spec.of, self.engine_dialect, self.zone).signature()
        return hashlib.sha256(f"{mine}\n{theirs}".encode()).hexdigest()

    def bulk_insert_sql(self) -> None:
        return None

    def bulk_customers_sql(self) -> None:
        return None

    def bulk_parents_sql(self) -> None:
        return None
