"""Which sheet column feeds which field.

A header matches a column by the column's name, its translations and its aliases, compared
without case, width or spaces. A mapping file names the unusual ones: TOML (`"客户全称" = "name"`,
at the top level or under `[columns]`) or a two-column .csv/.xlsx (header, field). Mapping a header
to "-" ignores it. When two sheet columns feed one field (手机 and 电话), the first non-empty
cell of a row wins.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path

import attrs

from crm_core.foundation import i18n
from crm_core.foundation.errors import ValidationError
from crm_core.hooks.importers import Column, Importer, header_key

IGNORE = "-"


@attrs.frozen
class HeaderMap:
    """For each sheet column, the field it feeds (None: unmapped or ignored)."""

    columns: tuple[Column | None, ...]
    unmapped: tuple[str, ...]

    def fields(self) -> list[str]:
        return sorted({c.name for c in self.columns if c is not None})


def load_mapping(path: Path) -> dict[str, str]:
    """Header text -> field name (or "-") from a mapping file."""
    if not path.is_file():
        raise ValidationError(f"no mapping file {path}")
    if path.suffix.lower() == ".toml":
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ValidationError(f"mapping file {path.name}: {exc}") from None
        table = data.get("columns", data)
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise ValidationError(f'mapping file {path.name}: expected "header" = "field" lines')
        return {str(k): v for k, v in table.items()}
    from crm_core.foundation.spreadsheets.reading import read_all

    header, rows = read_all(path)
    pairs = [header, *(cells for _n, cells in rows)]
    mapping: dict[str, str] = {}
    for cells in pairs:
        if len(cells) >= 2 and cells[0]:
            mapping[cells[0]] = cells[1] or IGNORE
    return mapping


def _explicit(importer: Importer, mapping: dict[str, str]) -> dict[str, Column | None]:
    by_name = {c.name: c for c in importer.columns}
    resolved: dict[str, Column | None] = {}
    for header, field in mapping.items():
        if field == IGNORE:
            resolved[header_key(header)] = None
            continue
        if field not in by_name:
            raise ValidationError(
                f"mapping: {header} -> {field}: {importer.entity} has no field {field!r} "
                f"(fields: {', '.join(by_name)})"
            )
        resolved[header_key(header)] = by_name[field]
    return resolved


def header_lookup(
    importer: Importer, mapping: dict[str, str] | None = None
) -> Callable[[str], Column | bool | None]:
    """A function: header text -> its column, None when explicitly ignored, False when unknown."""
    by_header: dict[str, Column | None] = {}
    for column in importer.columns:
        for key in column.headers():
            by_header[key] = column
    by_header.update(_explicit(importer, mapping or {}))

    def lookup(text: str) -> Column | bool | None:
        return by_header.get(header_key(text), False)

    return lookup


def map_header(
    importer: Importer, header: Sequence[str], mapping: dict[str, str] | None = None
) -> HeaderMap:
    """Map each sheet column; refuses (before anything is written) when a required field is missing."""
    lookup = header_lookup(importer, mapping)
    columns: list[Column | None] = []
    unmapped: list[str] = []
    for text in header:
        found = lookup(text) if text.strip() else None
        if found is False:
            unmapped.append(text)
            columns.append(None)
        else:
            columns.append(found if isinstance(found, Column) else None)
    missing = [c.name for c in importer.columns if c.required and c not in columns]
    if missing:
        labels = ", ".join(
            f"{name} ({i18n._(name)})" if i18n._(name) != name else name for name in missing
        )
        found_text = ", ".join(h for h in header if h.strip()) or "none"
        raise ValidationError(
            i18n._(
                "Missing required column(s) {missing} for {entity}; the sheet has: {found}. "
                "Rename the headers or pass --mapping.",
                missing=labels,
                entity=importer.entity,
                found=found_text,
            )
        )
    return HeaderMap(tuple(columns), tuple(unmapped))
