"""The deployment's settings through the API."""

from __future__ import annotations

from typing import Any

import attrs

from crm_core.foundation.errors import PermissionDenied
from crm_core.hooks.context import Context


@attrs.frozen
class SettingRecord:
    key: str
    value: Any
    help: str


class Settings:
    """`desk.settings`: time zone, currency and the plugins' options (`crm config`)."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def list(self) -> tuple[SettingRecord, ...]:
        """Every setting with its value (the default when never set) and help, by key."""
        specs = self._ctx.settings.specs
        values = self._ctx.settings.all()
        return tuple(SettingRecord(key, value, specs[key].help) for key, value in values.items())

    def get(self, key: str) -> Any:
        return self._ctx.settings.get(key)

    def set(self, key: str, value: str) -> Any:
        """Change a setting (admins only); `value` is parsed and checked first. Returns it
        parsed."""
        if not self._ctx.actor.is_admin:
            raise PermissionDenied("only an admin may change settings")
        return self._ctx.settings.set(key, value)
