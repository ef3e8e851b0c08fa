"""Spreadsheets in and out through the API (the same pipeline as `crm import` / `crm export`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import attrs

from crm_core.features.imports.pipeline import ImportOptions, ImportResult, import_file
from crm_core.features.imports.service import export_file
from crm_core.hooks.context import Context


@attrs.frozen
class ExportResult:
    entity: str
    path: Path
    rows: int


class Files:
    """`desk.files`: import a spreadsheet inside this unit of work, export the visible rows."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def import_file(
        self, entity: str, path: Path, options: ImportOptions | None = None
    ) -> ImportResult:
        """Import `path` (xlsx or csv, any common Chinese encoding) into `entity` within this
        unit of work; with `ImportOptions(all_or_nothing=True)` one bad row refuses the file
        (ImportRejected). For resumable batches use `Crm.import_file`."""
        return import_file(self._ctx, entity, Path(path), options)

    def export_file(
        self, entity: str, path: Path, filters: Mapping[str, str] | None = None
    ) -> ExportResult:
        """Write the rows of `entity` you may see to `path` (.xlsx or .csv), headers as labels;
        `filters` narrow by column (name or label) -> value."""
        path = Path(path)
        rows = export_file(self._ctx, entity, path, filters)
        return ExportResult(entity, path, rows)
