"""An import run: stream the sheet, map its header, and per batch parse, check, match duplicates,
insert and update, journal, and list rejected rows in an error file.

Whole-file mode (the default) runs in one transaction: the file imports completely or not at all.
With `batch_size` each batch commits on its own together with its journal row, so a killed run
leaves only whole batches, and re-running the same file resumes after them.
"""

from __future__ import annotations

import bisect
import contextlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import attrs

from crm_core.features.imports import journal
from crm_core.features.imports.importer import importer_for
from crm_core.features.imports.mapping import HeaderMap, header_lookup, map_header
from crm_core.foundation import i18n
from crm_core.foundation.errors import CrmError, ValidationError
from crm_core.foundation.spreadsheets import RowWriter, Table, open_table
from crm_core.foundation.spreadsheets.writing import TEXT_SUFFIXES
from crm_core.hooks.context import Context
from crm_core.hooks.importers import ON_DUPLICATE, Existing, Importer, ImportRow
from crm_core.services import custom_fields

#: Rows handed to an importer at once in whole-file mode (hooks fire once per such batch).
CHUNK_ROWS = 5000
PROBLEM_HEADER = "错误原因 problem"
SHOWN_ERRORS = 5

Progress = Callable[[int, int | None], None]
Work = Callable[[], AbstractContextManager[Context]]


@attrs.frozen
class ImportOptions:
    on_duplicate: str = "error"
    #: Login of the owner for rows that name none (entities with an owner column).
    owner: str | None = None
    mapping: dict[str, str] | None = None
    encoding: str | None = None
    delimiter: str | None = None
    #: Commit every this many rows (resumable); None: the whole file in one transaction.
    batch_size: int | None = None
    #: Refuse the whole file when any row is rejected.
    all_or_nothing: bool = False
    dry_run: bool = False
    #: Where to list rejected rows; None: beside the input, as NAME.errors.EXT.
    error_file: Path | None = None
    #: Import a file again although the same bytes were imported before.
    again: bool = False

    def __attrs_post_init__(self) -> None:
        if self.on_duplicate not in ON_DUPLICATE:
            raise ValidationError(f"--on-duplicate must be one of {', '.join(ON_DUPLICATE)}")
        if self.batch_size is not None:
            if self.batch_size < 1:
                raise ValidationError("--batch-size must be at least 1")
            if self.dry_run or self.all_or_nothing:
                raise ValidationError(
                    "--batch-size commits as it goes: it cannot be combined with --dry-run "
                    "or --all-or-nothing"
                )


@attrs.frozen
class ImportResult:
    entity: str
    rows: int
    inserted: int
    updated: int
    skipped: int
    rejected: int
    dry_run: bool = False
    unmapped: tuple[str, ...] = ()
    error_file: Path | None = None
    run_id: int | None = None
    #: Rows of batches committed by an earlier, interrupted run of the same file.
    resumed_rows: int = 0

    @property
    def written(self) -> int:
        return self.inserted + self.updated


class ImportRejected(ValidationError):
    """Nothing was written: rows were rejected and the import was all-or-nothing."""

    def __init__(self, errors: list[str], total_rows: int, error_file: Path | None = None) -> None:
        shown = "; ".join(errors[:SHOWN_ERRORS])
        more = f" (+{len(errors) - SHOWN_ERRORS} more)" if len(errors) > SHOWN_ERRORS else ""
        head = i18n._("Nothing written: {count} rows have errors.", count=len(errors))
        tail = f" ({i18n._('see {path}', path=error_file)})" if error_file else ""
        super().__init__(f"{head} {shown}{more}{tail}")
        self.errors = errors
        self.total_rows = total_rows
        self.error_file = error_file


class _RollBack(Exception):
    """Leaves the savepoint of a dry run or a refused all-or-nothing import."""


class IdRanges:
    """Ids this run inserted, as sorted [first, last] ranges (ids come in contiguous runs)."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def add(self, ids: list[int] | tuple[int, ...]) -> None:
        for new_id in sorted(ids):
            if self._ends and new_id == self._ends[-1] + 1:
                self._ends[-1] = new_id
            elif not self._ends or new_id > self._ends[-1]:
                self._starts.append(new_id)
                self._ends.append(new_id)
            elif new_id not in self:
                at = bisect.bisect(self._starts, new_id)
                self._starts.insert(at, new_id)
                self._ends.insert(at, new_id)

    def __contains__(self, item: object) -> bool:
        if not isinstance(item, int):
            return False
        at = bisect.bisect(self._starts, item) - 1
        return at >= 0 and item <= self._ends[at]


@attrs.define
class _Run:
    importer: Importer
    options: ImportOptions
    header_map: HeaderMap
    table: Table
    errors: RowWriter | None
    error_path: Path
    inserted_ids: IdRanges = attrs.field(factory=IdRanges)
    counts: dict[str, int] = attrs.field(factory=lambda: dict.fromkeys(journal.COUNTS, 0))
    messages: list[str] = attrs.field(factory=list)
    rows: int = 0

    def reject(self, row: ImportRow) -> None:
        assert row.problem is not None
        self.counts["rejected"] += 1
        if len(self.messages) < 100:
            self.messages.append(f"{i18n._('row {row}', row=row.number)}: {row.problem}")
        self.write_error(row.cells, row.problem)

    def write_error(self, cells: list[str], reason: str) -> None:
        if self.errors is None:
            self.errors = RowWriter(
                self.error_path,
                [*self.table.header, PROBLEM_HEADER],
                encoding=_writable(self.table.encoding),
                delimiter=self.table.delimiter or ",",
            )
        width = len(self.table.header)
        self.errors.append([*cells[:width], *[""] * (width - len(cells)), reason])


def import_file(
    ctx: Context,
    entity: str,
    path: Path,
    options: ImportOptions | None = None,
    *,
    progress: Progress | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Import a whole file inside the caller's transaction (a savepoint; see ImportOptions)."""
    options = options or ImportOptions(dry_run=dry_run)
    if dry_run and not options.dry_run:
        options = attrs.evolve(options, dry_run=True)
    if options.batch_size is not None:
        raise ValidationError("batch_size needs run_import(deployment work, ...)")
    return run_import(lambda: contextlib.nullcontext(ctx), entity, path, options, progress)


def run_import(
    work: Work,
    entity: str,
    path: Path,
    options: ImportOptions,
    progress: Progress | None = None,
) -> ImportResult:
    """Run an import. `work()` opens a unit of work (a Context in a write transaction)."""
    with work() as ctx:
        importer = custom_fields.extend_importer(ctx, importer_for(ctx, entity))
        run = _open(importer, path, options)
        digest = journal.file_digest(path)
        earlier = journal.completed_run(ctx, entity, digest)
        if earlier and not options.again:
            raise ValidationError(
                i18n._(
                    "{file} was imported already (run {run}, {when}, by {who}); import its error file, or pass --again to import it again.",
                    file=path.name,
                    run=earlier[0],
                    when=earlier[1],
                    who=earlier[2],
                )
            )
        if options.batch_size is None:
            return _whole_file(ctx, run, path, digest, progress)
        run_id = journal.unfinished_run(ctx, entity, digest, options.batch_size)
        resumed = run_id is not None
        if run_id is None:
            run_id = journal.start_run(ctx, entity, path, digest, options.batch_size)
        done = journal.committed_batches(ctx, run_id) if resumed else set()
        old_rejections = journal.rejections(ctx, run_id) if resumed else {}
    return _in_batches(work, run, run_id, done, old_rejections, progress)


def _open(importer: Importer, path: Path, options: ImportOptions) -> _Run:
    lookup = header_lookup(importer, options.mapping)
    table = open_table(
        path,
        known_header=lambda text: lookup(text) is not False,
        encoding=options.encoding,
        delimiter=options.delimiter,
    )
    header = [h if h != PROBLEM_HEADER else "" for h in table.header]
    header_map = map_header(importer, header, options.mapping)
    # Beside the input in its format, or as .xlsx for one that cannot be written (.xls, .ods).
    suffix = path.suffix.lower()
    writable = suffix if suffix == ".xlsx" or suffix in TEXT_SUFFIXES else ".xlsx"
    error_path = options.error_file or path.with_name(f"{path.stem}.errors{writable}")
    if error_path.resolve() == path.resolve():
        raise ValidationError("the error file would overwrite the input")
    error_path.unlink(missing_ok=True)
    return _Run(importer, options, header_map, table, None, error_path)


def _whole_file(
    ctx: Context, run: _Run, path: Path, digest: str, progress: Progress | None
) -> ImportResult:
    run_id: int | None = None
    try:
        try:
            with ctx.session.begin_nested():
                run_id = journal.start_run(ctx, run.importer.entity, path, digest, None)
                for chunk in _chunks(run.table.rows, CHUNK_ROWS):
                    _process(ctx, run, chunk)
                    if progress:
                        progress(run.rows, run.table.total)
                if run.options.all_or_nothing and run.counts["rejected"]:
                    raise _RollBack
                journal.finish_run(ctx, run_id, run.counts)
                if run.options.dry_run:
                    raise _RollBack
        except _RollBack:
            run_id = None
    finally:
        if run.errors is not None:
            run.errors.close()
    if run.options.all_or_nothing and run.counts["rejected"]:
        raise ImportRejected(run.messages, run.rows, run.error_path)
    return _result(run, run_id, 0)


def _in_batches(
    work: Work,
    run: _Run,
    run_id: int,
    done: set[int],
    old_rejections: dict[int, str],
    progress: Progress | None,
) -> ImportResult:
    size = run.options.batch_size
    assert size is not None
    resumed_rows = 0
    try:
        for number, chunk in enumerate(_chunks(run.table.rows, size)):
            if number in done:
                resumed_rows += len(chunk)
                run.rows += len(chunk)
                for row_number, cells in chunk:
                    if row_number in old_rejections:
                        run.write_error(cells, old_rejections[row_number])
                continue
            with work() as ctx:
                before = dict(run.counts)
                rejected_rows: list[tuple[int, str]] = []
                _process(ctx, run, chunk, rejected_rows)
                journal.record_batch(
                    ctx,
                    run_id,
                    number,
                    (chunk[0][0], chunk[-1][0]),
                    {k: run.counts[k] - before[k] for k in journal.COUNTS},
                    rejected_rows,
                )
            if progress:
                progress(run.rows, run.table.total)
        with work() as ctx:
            totals = journal.finish_run(ctx, run_id)
    finally:
        if run.errors is not None:
            run.errors.close()
    run.counts.update(totals)
    return _result(run, run_id, resumed_rows)


def _result(run: _Run, run_id: int | None, resumed_rows: int) -> ImportResult:
    return ImportResult(
        run.importer.entity,
        run.rows,
        run.counts["inserted"],
        run.counts["updated"],
        run.counts["skipped"],
        run.counts["rejected"],
        dry_run=run.options.dry_run,
        unmapped=run.header_map.unmapped,
        error_file=run.error_path if run.counts["rejected"] else None,
        run_id=run_id,
        resumed_rows=resumed_rows,
    )


def _chunks(
    rows: Iterator[tuple[int, list[str]]], size: int
) -> Iterator[list[tuple[int, list[str]]]]:
    chunk: list[tuple[int, list[str]]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# -- one batch -----------------------------------------------------------------------------------


def _process(
    ctx: Context,
    run: _Run,
    chunk: list[tuple[int, list[str]]],
    rejected_rows: list[tuple[int, str]] | None = None,
) -> None:
    importer, options = run.importer, run.options
    rows = [_parse(run, number, cells) for number, cells in chunk]
    run.rows += len(rows)
    live = [r for r in rows if r.ok]
    if importer.check is not None and live:
        importer.check(ctx, live)
    live = [r for r in live if r.ok]
    if importer.keys is not None:
        _repeats_in_batch(importer, live)
    live = [r for r in live if r.ok and r.existing is None]
    if importer.match is not None and live:
        importer.match(ctx, live)
    to_insert: list[ImportRow] = []
    to_update: list[ImportRow] = []
    for row in rows:
        if not row.ok:
            continue
        if row.existing is None:
            to_insert.append(row)
            continue
        if row.existing.id in run.inserted_ids:
            row.existing = attrs.evolve(row.existing, from_this_file=True)
        _duplicate(row, options, importer, to_update)
    if to_insert:
        run.inserted_ids.add(list(_insert_isolating(ctx, importer, to_insert)))
    if to_update:
        assert importer.update is not None
        changed = importer.update(ctx, [r for r in to_update if r.ok])
        run.counts["updated"] += changed
        # Rows that matched a record but changed nothing count as skipped.
        run.counts["skipped"] += sum(1 for r in to_update if r.ok) - changed
    for row in rows:
        if not row.ok:
            run.reject(row)
            if rejected_rows is not None:
                assert row.problem is not None
                rejected_rows.append((row.number, row.problem))
    run.counts["inserted"] += sum(1 for r in to_insert if r.ok)
    updating = {id(r) for r in to_update}
    run.counts["skipped"] += sum(
        1 for r in rows if r.ok and r.existing is not None and id(r) not in updating
    )


def _parse(run: _Run, number: int, cells: list[str]) -> ImportRow:
    values: dict[str, Any] = {}
    problems: list[str] = []
    for column, cell in zip(run.header_map.columns, cells, strict=False):
        if column is None or not cell or column.name in values:
            continue
        try:
            values[column.name] = column.parse(cell)
        except (ValueError, ValidationError) as exc:
            problems.append(f"{i18n._(column.name)}: {exc}")
    for column in run.importer.columns:
        if (
            column.required
            and column.name not in values
            and not any(p.startswith(f"{i18n._(column.name)}:") for p in problems)
        ):
            problems.append(i18n._("{field} is empty", field=i18n._(column.name)))
    if run.options.owner and "owner" not in values and _has_column(run.importer, "owner"):
        values["owner"] = run.options.owner
        values["_owner_by_default"] = True
    row = ImportRow(number, cells, values)
    if problems:
        row.reject("; ".join(problems))
    return row


def _has_column(importer: Importer, name: str) -> bool:
    return any(c.name == name for c in importer.columns)


def _repeats_in_batch(importer: Importer, rows: list[ImportRow]) -> None:
    assert importer.keys is not None
    seen: dict[Any, int] = {}
    for row in rows:
        try:
            keys = [k for k in importer.keys(row.values) if k is not None]
        except CrmError as exc:
            row.reject(str(exc))
            continue
        first = next((seen[k] for k in keys if k in seen), None)
        if first is not None:
            row.existing = Existing(0, i18n._("row {row}", row=first), False, from_this_file=True)
            continue
        for key in keys:
            seen[key] = row.number


def _duplicate(
    row: ImportRow, options: ImportOptions, importer: Importer, to_update: list[ImportRow]
) -> None:
    existing = row.existing
    assert existing is not None
    if existing.from_this_file:
        if options.on_duplicate == "skip":
            return  # counted as skipped below
        row.reject(i18n._("repeats {what} of this file", what=existing.label))
        return
    if options.on_duplicate == "skip":
        return
    if options.on_duplicate == "update" and importer.update is not None and existing.visible:
        to_update.append(row)
        return
    if options.on_duplicate == "update" and importer.update is None:
        row.reject(
            i18n._(
                "already exists: {label} ({entity} cannot be updated by import)",
                label=existing.label,
                entity=importer.entity,
            )
        )
        return
    holder = f" ({existing.holder})" if existing.holder else ""
    row.reject(i18n._("already exists: {label}", label=existing.label) + holder)


def _insert_isolating(ctx: Context, importer: Importer, rows: list[ImportRow]) -> list[int]:
    """Insert rows; when a hook refuses the batch, find the refused rows by halving."""
    try:
        with ctx.session.begin_nested():
            return list(importer.insert(ctx, rows))
    except CrmError as exc:
        if len(rows) == 1:
            rows[0].reject(str(exc))
            return []
    middle = len(rows) // 2
    return _insert_isolating(ctx, importer, rows[:middle]) + _insert_isolating(
        ctx, importer, rows[middle:]
    )


def _writable(encoding: str | None) -> str:
    if encoding in (None, "utf-8", "utf-8-sig"):
        return "utf-8-sig"
    return encoding
