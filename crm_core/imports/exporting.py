"""Export: the rows the user may see, in the columns an importer declares, headers translated.

Visibility comes from the exporter's queries (ORM, filtered for the acting user); cell values are
neutralised by the writer so nothing exported runs as a formula.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from crm_core import i18n
from crm_core.context import Context
from crm_core.errors import ValidationError
from crm_core.imports.importer import importer_for
from crm_core.spreadsheets import RowWriter


def export_file(
    ctx: Context, entity: str, path: Path, filters: Mapping[str, str] | None = None
) -> int:
    """Write the visible rows of `entity` (narrowed by `filters`, field -> value); the row count.

    Filter names come from the importer's columns (an allowlist): anything else is refused.
    """
    importer = importer_for(ctx, entity)
    if importer.export is None:
        raise ValidationError(f"{entity} cannot be exported")
    names = [c.name for c in importer.columns]
    filters = dict(filters or {})
    unknown = sorted(set(filters) - set(names) - set(importer.export_filters))
    if unknown:
        raise ValidationError(
            f"cannot filter {entity} by {', '.join(unknown)}; "
            f"use: {', '.join(sorted({*names, *importer.export_filters}))}"
        )
    pushed = {k: v for k, v in filters.items() if k in importer.export_filters}
    rest = {k: v for k, v in filters.items() if k not in importer.export_filters}
    header = [i18n._(name) for name in names]
    with RowWriter(path, header) as writer:
        for record in importer.export(ctx, pushed):
            if rest and any(_text(record.get(k)) != v for k, v in rest.items()):
                continue
            writer.append([record.get(name) for name in names])
    return writer.count


def _text(value: Any) -> str:
    return "" if value is None else str(value)
