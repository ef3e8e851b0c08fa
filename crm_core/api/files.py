"""Spreadsheets in and out through the API (the same pipeline as `crm import` / `crm export`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import attrs

from crm_core.features.imports.mapping import load_mapping
from crm_core.features.imports.pipeline import ImportOptions, ImportResult, import_file
from crm_core.features.imports.service import export_file
from crm_core.hooks.context import Context

__all__ = [
    "CollectedRecord",
    "ExportResult",
    "Files",
    "ImportOptions",
    "ImportRecord",
    "ImportResult",
    "WorksheetRecord",
    "load_mapping",
]


@attrs.frozen
class ImportRecord:
    """What an import did, as `crm import --format json` prints it."""

    entity: str
    rows: int
    inserted: int
    updated: int
    skipped: int
    rejected: int
    dry_run: bool
    resumed_rows: int
    unmapped: tuple[str, ...]
    error_file: str | None
    run: int | None

    @classmethod
    def of(cls, result: ImportResult) -> ImportRecord:
        return cls(
            result.entity,
            result.rows,
            result.inserted,
            result.updated,
            result.skipped,
            result.rejected,
            result.dry_run,
            result.resumed_rows,
            tuple(result.unmapped),
            str(result.error_file) if result.error_file else None,
            result.run_id,
        )


@attrs.frozen
class WorksheetRecord:
    """One salesperson's worksheet as issued."""

    login: str
    path: Path
    rows: int


@attrs.frozen
class CollectedRecord:
    """One returned worksheet as applied; `problems` are its rejected lines."""

    file: str
    salesperson: str
    interactions: int
    level_changes: int
    unchanged: int
    rejected: int
    problems: tuple[str, ...] = ()


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
        self,
        entity: str,
        path: Path,
        filters: Mapping[str, str] | None = None,
        progress: Callable[[int, int | None], None] | None = None,
    ) -> ExportResult:
        """Write the rows of `entity` you may see to `path` (.xlsx or .csv), headers as labels;
        `filters` narrow by column (name or label) -> value."""
        path = Path(path)
        rows = export_file(self._ctx, entity, path, filters, progress)
        return ExportResult(entity, path, rows)

    def issue_worksheets(
        self,
        logins: Sequence[str],
        directory: Path,
        *,
        level: str | None = None,
        industry: str | None = None,
        region: str | None = None,
        quiet_days: int | None = None,
    ) -> tuple[WorksheetRecord, ...]:
        """One .xlsx per salesperson you manage in `directory`, with their customers to work
        on (at a level, in an industry or region, or not contacted for `quiet_days`)."""
        from crm_core.features.imports import worksheets

        where = worksheets.LeadFilter(level, industry, region, quiet_days)
        issued = worksheets.issue(self._ctx, list(logins), where, Path(directory))
        return tuple(WorksheetRecord(i.login, i.path, i.rows) for i in issued)

    def collect_worksheet(self, path: Path) -> CollectedRecord:
        """Apply one returned worksheet: log its interactions, change levels; lines collected
        before change nothing."""
        from crm_core.features.imports import worksheets

        path = Path(path)
        done = worksheets.collect_file(self._ctx, path)
        return CollectedRecord(
            path.name,
            done.login,
            done.interactions,
            done.level_changes,
            done.unchanged,
            len(done.rejected),
            tuple(done.rejected),
        )
