"""How much text a field holds, decided in one place for every table: a String(n) column at most
n characters, a Text column at most TEXT_MOST, and no NUL character anywhere. PostgreSQL would
refuse a longer value with a database error and SQLite would store it as given; both now answer
with the field's name and its limit, before anything is written."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import String, Table, Text

from crm_core.foundation.errors import ValidationError

#: Characters a long-text field (notes, descriptions, article bodies, digests) holds.
TEXT_MOST = 100_000


def _most(column: Any) -> int | None:
    kind = column.type
    if isinstance(kind, Text):
        return TEXT_MOST
    if isinstance(kind, String) and kind.length:
        return int(kind.length)
    return None


def check_text(table: Table, values: Mapping[str, Any]) -> None:
    """Refuse a text value that its column cannot hold (ValidationError naming the field)."""
    for name, value in values.items():
        if not isinstance(value, str):
            continue
        if "\x00" in value:
            raise ValidationError(f"{name} contains a NUL character")
        column = table.columns.get(name)
        most = None if column is None else _most(column)
        if most is not None and len(value) > most:
            raise ValidationError(f"{name} is longer than {most:,} characters ({len(value):,})")


def check_rows(table: Table, rows: Iterable[Mapping[str, Any]]) -> None:
    for row in rows:
        check_text(table, row)
