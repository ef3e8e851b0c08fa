"""Spreadsheet import and export, for any entity the core or a plugin registers.

Import is all or nothing: every row is parsed and checked first; if any row is wrong, nothing
is written and the errors name their rows. Rows are then written in batches with SQLAlchemy
Core (one INSERT per batch), inside one transaction, and hooks hear each batch once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from crm_core import i18n, spreadsheets
from crm_core.context import Context
from crm_core.errors import PluginError, ValidationError

BATCH_ROWS = 2000
SHOWN_ERRORS = 5


@attrs.frozen
class Column:
    """A spreadsheet column: canonical name, header aliases (e.g. Chinese), how to parse a cell."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    parse: Callable[[str], Any] = str

    def headers(self) -> set[str]:
        return {h.casefold() for h in (*i18n.every_translation(self.name), *self.aliases)}


@attrs.frozen
class Importer:
    """An importable/exportable entity.

    `check(ctx, rows)` sees every parsed row before anything is written and returns problems
    found against the database ("row 7: ..."), so one run reports all errors at once.
    `write(ctx, rows)` receives parsed rows (dicts by column name, each with "_row", its
    spreadsheet row number) for one batch and writes them in bulk; it may still raise
    ValidationError to refuse the whole import.
    `export(ctx)` yields dicts by column name, visible rows only, in keyset pages.
    """

    entity: str
    title: str
    columns: tuple[Column, ...]
    write: Callable[[Context, list[dict[str, Any]]], int]
    export: Callable[[Context], Iterator[Mapping[str, Any]]] | None = None
    #: Columns whose values must be unique within one file.
    unique: tuple[str, ...] = ()
    check: Callable[[Context, list[dict[str, Any]]], list[str]] | None = None


@attrs.frozen
class ImportResult:
    entity: str
    rows: int
    written: int
    dry_run: bool


class ImportRejected(ValidationError):
    def __init__(self, errors: Sequence[str], total_rows: int) -> None:
        shown = "; ".join(errors[:SHOWN_ERRORS])
        more = f" (+{len(errors) - SHOWN_ERRORS} more)" if len(errors) > SHOWN_ERRORS else ""
        head = i18n._("Nothing written: {count} rows have errors.", count=len(errors))
        super().__init__(f"{head} {shown}{more}")
        self.errors = list(errors)
        self.total_rows = total_rows


def registry(ctx: Context) -> dict[str, Importer]:
    found: dict[str, Importer] = {}

    def register(importer: Importer) -> None:
        if importer.entity in found:
            raise PluginError(f"importer {importer.entity!r} is registered twice")
        found[importer.entity] = importer

    ctx.hook.crm_register_importers(register=register)
    return found


def importer_for(ctx: Context, entity: str) -> Importer:
    found = registry(ctx)
    if entity not in found:
        raise ValidationError(f"cannot import {entity!r}; known: {', '.join(sorted(found))}")
    return found[entity]


def _map_header(importer: Importer, header: Sequence[str]) -> list[Column | None]:
    by_header: dict[str, Column] = {}
    for column in importer.columns:
        for name in column.headers():
            by_header[name] = column
    mapped = [by_header.get(h.strip().casefold()) for h in header]
    unknown = [h for h, c in zip(header, mapped, strict=True) if c is None and h.strip()]
    if unknown:
        raise ValidationError(f"unknown column(s) {', '.join(unknown)} for {importer.entity}")
    missing = [c.name for c in importer.columns if c.required and c not in mapped]
    if missing:
        raise ValidationError(f"missing column(s) {', '.join(missing)} for {importer.entity}")
    return mapped


def parse_file(importer: Importer, path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Every row parsed (rows with problems left out), and the problems, each naming its row."""
    header, rows = spreadsheets.read_rows(path)
    mapped = _map_header(importer, header)
    parsed: list[dict[str, Any]] = []
    errors: list[str] = []
    seen: dict[str, dict[Any, int]] = {name: {} for name in importer.unique}
    for number, cells in enumerate(rows, start=2):
        record: dict[str, Any] = {"_row": number}
        problems: list[str] = []
        for column, cell in zip(mapped, cells, strict=False):
            if column is None:
                continue
            if not cell:
                if column.required:
                    problems.append(i18n._("{field} is empty", field=column.name))
                continue
            try:
                record[column.name] = column.parse(cell)
            except (ValueError, ValidationError) as exc:
                problems.append(f"{column.name}: {exc}")
        for column in importer.columns:
            empty = i18n._("{field} is empty", field=column.name)
            if column.required and column.name not in record and empty not in problems:
                problems.append(empty)
        for name, first in seen.items():
            value = record.get(name)
            if value is None:
                continue
            if value in first:
                problems.append(f"{name} repeats row {first[value]}")
            else:
                first[value] = number
        if problems:
            errors.append(f"{i18n._('row {row}', row=number)}: {', '.join(problems)}")
        else:
            parsed.append(record)
    return parsed, errors


def _row_number(error: str) -> int:
    head = error.split(":", 1)[0].removeprefix("row ")
    return int(head) if head.isdigit() else 0


def import_file(ctx: Context, entity: str, path: Path, *, dry_run: bool = False) -> ImportResult:
    """Parse and write a whole file in the caller's transaction (roll back for a dry run)."""
    importer = importer_for(ctx, entity)
    rows, errors = parse_file(importer, path)
    if importer.check is not None:
        errors += importer.check(ctx, rows)
    if errors:
        raise ImportRejected(sorted(errors, key=_row_number), len(rows) + len(errors))
    written = 0
    for start in range(0, len(rows), BATCH_ROWS):
        written += importer.write(ctx, rows[start : start + BATCH_ROWS])
    return ImportResult(entity, len(rows), written, dry_run)


def export_file(ctx: Context, entity: str, path: Path) -> int:
    importer = importer_for(ctx, entity)
    if importer.export is None:
        raise ValidationError(f"{entity} cannot be exported")
    export = importer.export
    names = [c.name for c in importer.columns]
    header = [i18n._(name) for name in names]
    rows = ([record.get(name) for name in names] for record in export(ctx))
    return spreadsheets.write_rows(path, header, rows)
