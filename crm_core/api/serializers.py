"""The JSON shapes of what the API returns: the same for `crm ... --format json`, scripts and
the REST API. A record's JSON object is its fields in order, amounts as exact strings, times as
ISO 8601; `to_json` shapes one, `json_text` a list, `json_chunks` a long table row by row."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)  # exact: amounts are strings in JSON
    if isinstance(value, datetime | date):
        return value.isoformat()
    if attrs.has(type(value)):
        return to_json(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def to_json(record: Any) -> dict[str, Any]:
    """An attrs record as its JSON object: each field by name, in declaration order."""
    return {f.name: jsonable(getattr(record, f.name)) for f in attrs.fields(type(record))}


def columns_of(record_type: type[Any]) -> list[str]:
    """The JSON keys of a record type, in order (a table's columns)."""
    return [f.name for f in attrs.fields(record_type)]


def counted(counts: Mapping[str, int], key: str, value: str) -> list[dict[str, Any]]:
    """`{kind: n}` as the rows `--format json` prints: `[{key: kind, value: n}, ...]`."""
    return [{key: k, value: v} for k, v in counts.items()]


def json_chunks(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The text of `json_text` for rows in `columns` order, one object at a time (each value
    encoded alone: `json.dumps` of a whole record with `indent` took twice as long)."""
    encode = json.JSONEncoder(ensure_ascii=False).encode
    keys = [f"    {encode(str(column))}: " for column in columns]
    first = True
    for row in rows:
        fields = []
        for key, value in zip(keys, row, strict=True):
            value = jsonable(value)
            if isinstance(value, dict | list):
                text = json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n    ")
            else:
                text = encode(value)
            fields.append(key + text)
        item = "{\n" + ",\n".join(fields) + "\n  }" if fields else "{}"
        yield ("[\n  " if first else ",\n  ") + item
        first = False
    yield "[]" if first else "\n]"


def json_text(records: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Records as a JSON array of objects with `columns` in order (amounts as exact strings)."""
    return json.dumps(
        [jsonable({c: r.get(c) for c in columns}) for r in records], ensure_ascii=False, indent=2
    )
