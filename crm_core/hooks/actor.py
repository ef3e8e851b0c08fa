"""The acting user of a unit of work: whose rights every query and write is judged by."""

from __future__ import annotations

import attrs


@attrs.frozen
class Actor:
    id: int | None
    login: str
    name: str
    role: str
    team_id: int | None = None
    permissions: frozenset[str] = frozenset()

    @property
    def sees_everything(self) -> bool:
        return self.role in {"admin", "system"}

    @property
    def is_admin(self) -> bool:
        return self.role in {"admin", "system"}

    def has(self, permission: str) -> bool:
        return self.is_admin or permission in self.permissions

    @property
    def label(self) -> str:
        return f"{self.name} ({self.login})"


#: The deployment itself: migrations, seeding, and existence checks that must see every row.
SYSTEM = Actor(id=None, login="system", name="system", role="system")
