"""Printing results as a table (rich), JSON (stable, for scripts) or CSV (text a spreadsheet could
take for a formula gets a leading apostrophe, as in every file the product writes)."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from crm_core.api.serializers import columns_of, json_chunks, json_text, jsonable, to_json
from crm_core.foundation import i18n
from crm_core.foundation.spreadsheets.cells import neutralise

FORMATS = ("table", "json", "csv")
#: Rows `--format table` draws of a report; csv and json print them all (drawing a table costs
#: about a quarter of a millisecond a row: 1.4 million would take minutes and be read by nobody).
TABLE_MOST = 1_000

format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="Output format; JSON and CSV are stable for scripts.",
)


def page_options(command: Any) -> Any:
    """`--after LAST_ID --limit N`: keyset pagination, the same on every list command."""
    command = click.option(
        "--limit",
        type=click.IntRange(1, 10_000),
        default=50,
        show_default=True,
        help="Rows per page.",
    )(command)
    return click.option(
        "--after",
        "after_id",
        type=int,
        default=0,
        help="Keyset cursor: the last id of the previous page.",
    )(command)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    return str(jsonable(value))


def _shown(value: Any, named: bool) -> str:
    text = _text(value)
    return i18n._(text) if named and text else text


def emit(
    records: Sequence[Mapping[str, Any]],
    fmt: str,
    columns: Sequence[str] | None = None,
    title: str | None = None,
) -> None:
    """Print records (dicts with the same keys) in the chosen format."""
    cols = list(columns) if columns else (list(records[0]) if records else [])
    if fmt == "json":
        click.echo(json_text(records, cols))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow([neutralise(c) for c in cols])
        for r in records:
            writer.writerow([neutralise(_text(r.get(c))) for c in cols])
    else:
        table = Table(title=i18n._(title) if title else None, show_lines=False)
        for c in cols:
            table.add_column(i18n._(c))
        named = [c in i18n.VALUE_COLUMNS for c in cols]
        for r in records:
            table.add_row(*[_shown(r.get(c), n) for c, n in zip(cols, named, strict=True)])
        _console().print(table)


def emit_records(
    records: Sequence[Any], fmt: str, record_type: type[Any], title: str | None = None
) -> None:
    """Print API records (attrs instances of `record_type`) like `emit`: their JSON is the API's
    (`crm_core.api.serializers.to_json`), the same the REST API returns."""
    emit([to_json(r) for r in records], fmt, columns_of(record_type), title)


def emit_rows(
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    fmt: str,
    title: str | None = None,
    *,
    more: bool = False,
) -> None:
    """Print rows (values in `columns` order) like `emit`, without a dict per row: a report's
    1.4 million rows as CSV or JSON cost no more memory than the rows themselves. A table
    draws the first `TABLE_MOST` and says on stderr how to get the rest (`more`: rows beyond
    those given exist, of a report run for its first rows)."""
    if fmt == "json":
        for chunk in json_chunks(columns, rows):
            sys.stdout.write(chunk)
        sys.stdout.write("\n")
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow([neutralise(c) for c in columns])
        writer.writerows([neutralise(_text(v)) for v in row] for row in rows)
    else:
        shown = rows[:TABLE_MOST]
        emit([dict(zip(columns, row, strict=True)) for row in shown], fmt, columns, title)
        if len(rows) > len(shown):
            note = i18n._(
                "showing the first {shown} of {total} rows: --format csv or json prints them all",
                shown=f"{len(shown):,}",
                total=f"{len(rows):,}",
            )
            click.echo(note, err=True)
        elif more:
            note = i18n._(
                "showing the first {shown} rows; there are more: --format csv or json prints "
                "them all",
                shown=f"{len(shown):,}",
            )
            click.echo(note, err=True)


#: Width for tables written to a file or a pipe: wide enough not to cut Chinese names short.
PIPE_WIDTH = 200


def _console() -> Console:
    console = Console()
    return console if console.is_terminal else Console(width=PIPE_WIDTH)


def emit_object(record: Mapping[str, Any], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(jsonable(record), ensure_ascii=False, indent=2))
    else:
        emit([{"field": k, "value": v} for k, v in record.items() if not isinstance(v, list)], fmt)


@contextmanager
def progress_bar(label: str, enabled: bool) -> Iterator[Callable[[int, int | None], None]]:
    """A rich progress bar on a terminal; nothing at all when output is piped or in scripts."""
    if not enabled:
        yield lambda _done, _total: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=True,
        console=None,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        yield update
