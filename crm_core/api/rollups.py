"""The rollups through the API (admins)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from crm_core.api.common import texts
from crm_core.features.rollups import maintenance
from crm_core.hooks.context import Context


@attrs.frozen
class RollupRecord:
    """A rollup's size and build time; with a check, its keys that differ from the source."""

    rollup: str
    rows: int
    built_at: str
    differing: int | None = None


class Rollups:
    """`desk.rollups`: the totals reports read, kept by database triggers."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def status(self, names: Sequence[str] = (), *, check: bool = False) -> tuple[RollupRecord, ...]:
        """Every rollup (or those named); `check` compares each with its source rows."""
        found = maintenance.status(self._ctx, texts(names), check=check)
        return tuple(RollupRecord(s.name, s.rows, s.built_at, s.differing) for s in found)

    def rebuild(self, names: Sequence[str] = ()) -> Mapping[str, int]:
        """Recompute rollups (all, or those named) from their source rows; their sizes."""
        return maintenance.rebuild(self._ctx, texts(names))
