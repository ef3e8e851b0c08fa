"""Export: the rows the user may see, in the columns an importer declares, headers translated.

Visibility comes from the exporter's queries (ORM, filtered for the acting user); cell values are
neutralised by the writer so nothing exported runs as a formula.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from crm_core.features.imports.importer import importer_for
from crm_core.features.imports.pipeline import Progress
from crm_core.foundation import i18n
from crm_core.foundation.errors import ValidationError
from crm_core.foundation.spreadsheets import RowWriter
from crm_core.foundation.spreadsheets.writing import XLSX_ROWS, check_writable, too_many_for_xlsx
from crm_core.hooks.context import Context
from crm_core.hooks.importers import Importer, header_key
from crm_core.services import custom_fields

#: Rows written between two calls of the progress callback.
PROGRESS_EVERY = 1_000


def export_file(
    ctx: Context,
    entity: str,
    path: Path,
    filters: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> int:
    """Write the visible rows of `entity` (narrowed by `filters`, field -> value); the row count.

    Filter names come from the importer's columns (an allowlist): anything else is refused.
    `progress(written, total)` is called as rows are written and at the end; `total` is known
    when an .xlsx export counted its rows first, else None.
    """
    importer = custom_fields.extend_importer(ctx, importer_for(ctx, entity, exporting=True))
    if importer.export is None:
        raise ValidationError(f"{entity} cannot be exported")
    names = [c.name for c in importer.columns]
    filters = {_column_name(importer, k): v for k, v in (filters or {}).items()}
    unknown = sorted(set(filters) - set(names) - set(importer.export_filters))
    if unknown:
        raise ValidationError(
            f"cannot filter {entity} by {', '.join(unknown)}; "
            f"use: {', '.join(sorted({*names, *importer.export_filters}))}"
        )
    pushed = {k: v for k, v in filters.items() if k in importer.export_filters}
    rest = {k: v for k, v in filters.items() if k not in importer.export_filters}
    total = None
    if check_writable(path) == ".xlsx":
        total = _counted(ctx, importer, pushed, rest, XLSX_ROWS - 1)
        if total is not None and total > XLSX_ROWS - 1:
            raise too_many_for_xlsx()  # at once, not minutes on at the sheet's last row
    report = progress or (lambda _written, _total: None)
    header = [c.title or i18n._(c.name) for c in importer.columns]
    # Written beside `path` and renamed at the end: a refused or failed export (more rows than
    # an .xlsx sheet holds, say) leaves an earlier file of that name as it was.
    partial = path.with_name(f"{path.stem}.partial{path.suffix}")
    try:
        with RowWriter(partial, header) as writer:
            for record in importer.export(ctx, pushed):
                if rest and any(_text(record.get(k)) != v for k, v in rest.items()):
                    continue
                writer.append([record.get(name) for name in names])
                if writer.count % PROGRESS_EVERY == 0:
                    report(writer.count, total)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    report(writer.count, writer.count)
    return writer.count


def _counted(
    ctx: Context,
    importer: Importer,
    pushed: Mapping[str, str],
    rest: Mapping[str, str],
    most: int,
) -> int | None:
    """The rows the export will write (`most` + 1: more than `most`), from the importer's count,
    when every filter is applied in SQL (others narrow it afterwards); else None."""
    if rest or importer.export_count is None:
        return None
    return importer.export_count(ctx, pushed, most)


def _column_name(importer: Importer, key: str) -> str:
    """A filter key given as a column name or as any of its headers (Chinese labels too)."""
    folded = header_key(key)
    for column in importer.columns:
        if column.name == key or folded in column.headers():
            return column.name
    return key


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
