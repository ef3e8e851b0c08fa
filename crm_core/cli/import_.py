"""`crm import`: spreadsheets in, checked and committed as one transaction."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crm_core.api.files import ImportOptions, ImportRecord, ImportResult, load_mapping
from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit_records, progress_bar
from crm_core.foundation import i18n
from crm_core.hooks.importers import ON_DUPLICATE

#: Exit code when the import went in but some rows were rejected (listed in the error file).
PARTIAL_EXIT = 3


@click.command("import")
@click.argument("entity")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and count every row, then roll back.")
@click.option("--owner", metavar="LOGIN", help="Owner of rows that name none.")
@click.option(
    "--mapping",
    type=click.Path(path_type=Path),
    help='Header-to-field file: TOML ("客户全称" = "name") or a two-column sheet.',
)
@click.option(
    "--on-duplicate",
    type=click.Choice(ON_DUPLICATE),
    default="error",
    show_default=True,
    help="A row matching a stored record: reject it, skip it, or update the record.",
)
@click.option("--encoding", help="Force the CSV encoding (default: detected; e.g. gb18030).")
@click.option("--delimiter", help="Force the CSV delimiter (default: detected).")
@click.option(
    "--batch-size",
    type=click.IntRange(1),
    help="Commit every N rows; re-running the same file resumes after the last batch.",
)
@click.option("--all-or-nothing", is_flag=True, help="Write nothing if any row is rejected.")
@click.option(
    "--errors",
    "error_file",
    type=click.Path(path_type=Path),
    help="Where to list rejected rows (default: NAME.errors.EXT beside the file).",
)
@click.option("--again", is_flag=True, help="Import a file that was imported before.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text")
@pass_app
def import_(
    app: App,
    entity: str,
    path: Path,
    dry_run: bool,
    owner: str | None,
    mapping: Path | None,
    on_duplicate: str,
    encoding: str | None,
    delimiter: str | None,
    batch_size: int | None,
    all_or_nothing: bool,
    error_file: Path | None,
    again: bool,
    quiet: bool,
    fmt: str,
) -> int:
    """Import ENTITY (customers, contacts, products, interactions, or a plugin's) from a
    .xlsx, .xls, .ods or .csv file.

    Good rows go in and rejected rows are listed, with their reason, in an error file of the
    same format, ready to fix and import again (exit code 3). The file imports in one
    transaction unless --batch-size is given.
    """
    options = ImportOptions(
        on_duplicate=on_duplicate,
        owner=owner,
        mapping=load_mapping(mapping) if mapping else None,
        encoding=encoding,
        delimiter=delimiter,
        batch_size=batch_size,
        all_or_nothing=all_or_nothing,
        dry_run=dry_run,
        error_file=error_file,
        again=again,
    )
    show = not quiet and fmt == "text" and sys.stderr.isatty()
    with progress_bar(f"{entity} ← {path.name}", show) as progress:
        result = app.crm.import_file(app.as_login, entity, path, options, progress)
    if fmt == "json":
        emit_records([ImportRecord.of(result)], "json", ImportRecord)
    else:
        _summary(result)
    return PARTIAL_EXIT if result.rejected else 0


def _summary(result: ImportResult) -> None:
    head = i18n._("dry run, nothing written: ") if result.dry_run else ""
    click.echo(
        head
        + i18n._(
            "{entity}: {rows} rows: {inserted} inserted, {updated} updated, {skipped} skipped as duplicates, {rejected} rejected.",
            entity=result.entity,
            rows=result.rows,
            inserted=result.inserted,
            updated=result.updated,
            skipped=result.skipped,
            rejected=result.rejected,
        )
    )
    if result.resumed_rows:
        click.echo(
            i18n._(
                "Resumed: {count} rows were committed by an earlier run of this file.",
                count=result.resumed_rows,
            )
        )
    if result.unmapped:
        click.echo(i18n._("Ignored columns: {names}.", names=", ".join(result.unmapped)))
    if result.error_file:
        click.echo(
            i18n._("Rejected rows and their reasons: {path}", path=result.error_file), err=True
        )


def command() -> click.Command:
    return import_
