"""A deployment setting as the core and plugins declare it (`crm_register_settings`), and the
parsers its text value goes through."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any

import attrs

from crm_core.hooks.registry import Collection

#: The largest whole number a setting takes (its settings count days: about 270 years, so date
#: arithmetic with it stays in the calendar).
MOST = 100_000


def parse_positive_int(text: str) -> int:
    value = int(text)
    if not 0 < value <= MOST:
        raise ValueError(f"must be a whole number from 1 to {MOST:,}")
    return value


def parse_text(text: str) -> str:
    return text


def parse_timezone(text: str) -> str:
    zoneinfo.ZoneInfo(text)  # raises for an unknown zone
    return text


@attrs.frozen
class SettingSpec:
    key: str
    default: Any
    help: str
    parse: Callable[[str], Any] = parse_text


SETTINGS: Collection[SettingSpec] = Collection("crm_register_settings", "setting", lambda s: s.key)
