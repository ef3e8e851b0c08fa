"""The company's people through the API."""

from __future__ import annotations

import attrs

from crm_core.api.common import KEEP, Keep
from crm_core.hooks.context import Context
from crm_core.services import credentials, users
from crm_core.services.common import user_by_login


@attrs.frozen
class NewUser:
    login: str
    name: str
    role: str = "sales"
    team: str | None = None
    email: str | None = None


@attrs.frozen
class UserChanges:
    """Fields left at KEEP are not changed."""

    name: str | Keep = KEEP
    role: str | Keep = KEEP
    team: str | Keep = KEEP
    active: bool | Keep = KEEP


@attrs.frozen
class UserRecord:
    login: str
    name: str
    role: str
    team: str | None
    active: bool
    permissions: tuple[str, ...] = ()


class Users:
    """`desk.users`: who works with the CRM, their roles, teams and permissions (changes by
    admins only)."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def add(self, new: NewUser) -> UserRecord:
        user = users.add(self._ctx, new.login, new.name, new.role, new.team, new.email)
        return self.get(user.login)

    def change(self, login: str, changes: UserChanges) -> UserRecord:
        users.change(
            self._ctx,
            login,
            role=None if changes.role is KEEP else changes.role,
            team_name=None if changes.team is KEEP else changes.team,
            active=None if changes.active is KEEP else changes.active,
            name=None if changes.name is KEEP else changes.name,
        )
        return self.get(login)

    def get(self, login: str) -> UserRecord:
        found = self._records(login)
        if not found:
            user_by_login(self._ctx, login)  # raises the same "No user" answer as elsewhere
        return found[0]

    def list(self) -> tuple[UserRecord, ...]:
        """Every user by login, with their team and permissions."""
        return self._records(None)

    def _records(self, login: str | None) -> tuple[UserRecord, ...]:
        return tuple(
            UserRecord(u.login, u.name, u.role, team, u.active, tuple(perms))
            for u, team, perms in users.list_all(self._ctx, login)
        )

    def grant(self, login: str, permission: str) -> None:
        users.grant(self._ctx, login, permission)

    def revoke(self, login: str, permission: str) -> None:
        users.revoke(self._ctx, login, permission)

    def set_password(self, login: str, password: str, *, must_change: bool = True) -> None:
        """Set `login`'s password (admins); they choose their own at their next sign-in
        (unless `must_change` is False), and their open sessions end."""
        credentials.set_password(self._ctx, login, password, must_change=must_change)

    def change_password(self, current: str, new: str) -> None:
        """The acting user replaces their own password."""
        credentials.change_own_password(self._ctx, current, new)
