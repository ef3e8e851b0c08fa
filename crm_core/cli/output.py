"""Printing results as a table (rich), JSON (stable, for scripts) or CSV."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from crm_core import i18n

FORMATS = ("table", "json", "csv")

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


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)  # exact: amounts are strings in JSON
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    return str(jsonable(value))


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
        writer.writerow(cols)
        for r in records:
            writer.writerow([_text(r.get(c)) for c in cols])
    else:
        table = Table(title=i18n._(title) if title else None, show_lines=False)
        for c in cols:
            table.add_column(i18n._(c))
        for r in records:
            table.add_row(*[_text(r.get(c)) for c in cols])
        _console().print(table)


def json_text(records: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Records as a JSON array of objects with `columns` in order (amounts as exact strings)."""
    return json.dumps(
        [jsonable({c: r.get(c) for c in columns}) for r in records], ensure_ascii=False, indent=2
    )


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
