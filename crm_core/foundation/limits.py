"""How much text a field holds, decided in one place for every table: a String(n) column at most
n characters, a Text column at most TEXT_MOST, and no NUL character anywhere. PostgreSQL would
refuse a longer value with a database error and SQLite would store it as given; both now answer
with the field's name and its limit, before anything is written."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
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


@functools.lru_cache(maxsize=256)
def _limits(table: Table) -> dict[str, int]:
    return {c.name: most for c in table.columns if (most := _most(c)) is not None}


def check_rows(table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """`check_text` for a batch of rows with the same keys, a column at a time (a million rows
    of a bulk insert cost a fraction of a second, not a Python call per value)."""
    if not rows:
        return
    limits = _limits(table)
    for name in rows[0]:
        texts = [v for row in rows if type(v := row[name]) is str]
        if not texts:
            continue
        most = limits.get(name)
        if "\x00" in "".join(texts) or (most is not None and max(map(len, texts)) > most):
            for text in texts:
                check_text(table, {name: text})
