"""Deployment settings: declared by the core and plugins, stored as JSON in crm_setting."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from crm_core.foundation import transaction_cache
from crm_core.foundation.errors import ValidationError
from crm_core.hooks.settings import SettingSpec
from crm_core.kernel.models import Setting

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


_TABLE = Setting.__tablename__
#: A setting with no stored row (its default applies), as remembered for the transaction.
_ABSENT = object()


class Settings:
    """Read and write settings within the current transaction's session; each value is read
    once per transaction (`crm_core.foundation.transaction_cache`)."""

    def __init__(
        self,
        session: Session,
        specs: Mapping[str, SettingSpec],
        changed: Callable[[str, Any], None] | None = None,
    ) -> None:
        self._session = session
        self.specs = specs
        self._changed = changed

    def get(self, key: str) -> Any:
        spec = self._spec(key)
        if any(isinstance(pending, Setting) for pending in self._session.new):
            self._session.flush()  # as the query would (autoflush); its INSERT forgets the cache
        stored = transaction_cache.remembered(
            self._session.connection(), _TABLE, key, lambda: self._stored_value(key)
        )
        return spec.default if stored is _ABSENT else stored

    def _stored_value(self, key: str) -> Any:
        stored = self._session.get(Setting, key)
        return _ABSENT if stored is None else stored.value

    def set(self, key: str, raw: str) -> Any:
        """Parse `raw` with the setting's parser and store it; returns the parsed value."""
        spec = self._spec(key)
        try:
            value = spec.parse(raw)
        except (ValueError, TypeError, LookupError, json.JSONDecodeError) as exc:
            raise ValidationError(f"invalid value for {key}: {raw!r} ({exc})") from None
        self.store(key, value)
        return value

    def store(self, key: str, value: Any) -> None:
        self._spec(key)
        stored = self._session.get(Setting, key)
        if stored is None:
            self._session.add(Setting(key=key, value=value))
        else:
            stored.value = value
        self._session.flush()
        if self._changed is not None:
            self._changed(key, value)

    def all(self) -> dict[str, Any]:
        stored = {row.key: row.value for row in self._session.scalars(select(Setting))}
        return {key: stored.get(key, spec.default) for key, spec in sorted(self.specs.items())}

    def _spec(self, key: str) -> SettingSpec:
        try:
            return self.specs[key]
        except KeyError:
            raise ValidationError(f"unknown setting {key!r}") from None
