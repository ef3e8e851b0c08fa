"""Teams through the API."""

from __future__ import annotations

import attrs

from crm_core.hooks.context import Context
from crm_core.services import teams


@attrs.frozen
class TeamRecord:
    name: str
    parent: str | None
    depth: int


class Teams:
    """`desk.teams`: the team tree that decides who sees whose customers (changes by admins)."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def add(self, name: str, parent: str | None = None) -> TeamRecord:
        teams.add(self._ctx, name, parent)
        return self._find(name.strip())

    def move(self, name: str, parent: str | None) -> TeamRecord:
        """Make a team, with its subtree, report to `parent` (None: a top-level team)."""
        teams.move(self._ctx, name, parent)
        return self._find(name)

    def list(self) -> tuple[TeamRecord, ...]:
        """Every team in tree order, with its depth."""
        return tuple(
            TeamRecord(t.name, parent, depth) for t, parent, depth in teams.list_all(self._ctx)
        )

    def _find(self, name: str) -> TeamRecord:
        return next(t for t in self.list() if t.name == name)
