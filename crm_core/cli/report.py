"""`crm report`: list and run the reports of the core and the enabled plugins."""

from __future__ import annotations

from pathlib import Path

import attrs
import click

from crm_core.api.reports import WRITE_FORMATS, ReportEntry
from crm_core.cli import output as cli_output
from crm_core.cli.app import App, pass_app
from crm_core.cli.options import as_option
from crm_core.cli.output import (
    FORMATS,
    emit,
    emit_object,
    emit_records,
    emit_rows,
    format_option,
)
from crm_core.foundation import charts, i18n
from crm_core.foundation.errors import ValidationError

#: Formats that only exist as a file: `-o` is required.
FILE_ONLY = tuple(f for f in WRITE_FORMATS if f not in FORMATS)


def _warn_without_cjk_font() -> None:
    if charts.cjk_font() is None:
        click.echo(
            "warning: no Chinese font found; Chinese labels in the PNG show as boxes "
            "(pip install 'crm-core[cjk-fonts]' or install Noto Sans CJK)",
            err=True,
        )


def report_group(name: str, hidden: bool = False) -> click.Group:
    @click.group(name, hidden=hidden)
    def group() -> None:
        """Decision-support reports, aggregated in SQL.  决策支持报表。"""

    @group.command("list")
    @format_option
    @pass_app
    def list_(app: App, fmt: str) -> None:
        """Reports the enabled plugins offer, with their parameters."""
        with app.desk() as desk:
            found = desk.reports.catalogue()
        emit_records(found, fmt, ReportEntry)

    @group.command("show")
    @click.argument("name")
    @format_option
    @pass_app
    def show(app: App, name: str, fmt: str) -> None:
        """What a report counts and how (its definitions), its parameters and its chart."""
        with app.desk() as desk:
            info = desk.reports.describe(name)
        if fmt != "table":
            emit_object(attrs.asdict(info), fmt)
            return
        click.echo(f"{info.name}: {info.title}")
        if info.about:
            click.echo(info.about)
        if info.plots:
            click.echo(i18n._("chart: {columns}", columns=", ".join(info.plots)))
        rows = [
            {
                "param": p.name,
                "help": p.help,
                "default": p.default,
                "choices": ", ".join(p.choices),
            }
            for p in info.params
        ]
        if rows:
            emit(rows, "table", ["param", "help", "default", "choices"])

    @group.command("run")
    @click.argument("name")
    @click.option(
        "--param",
        "-p",
        "params",
        multiple=True,
        metavar="KEY=VALUE",
        help="Report parameter, e.g. -p since=2026-01-01 -p by=region (repeatable).",
    )
    @click.option(
        "--format",
        "fmt",
        type=click.Choice((*FORMATS, *FILE_ONLY)),
        default="table",
        show_default=True,
        help="table prints; json and csv print, or write -o FILE; xlsx, png (the chart) and "
        "html (table and chart) need -o.",
    )
    @click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, path_type=Path),
        help="File to write (csv, json, xlsx, png, html).",
    )
    @as_option
    @pass_app
    def run(app: App, name: str, params: tuple[str, ...], fmt: str, output: Path | None) -> None:
        """Run a report over the rows you may see."""
        raw: dict[str, str] = {}
        for item in params:
            key, sep, value = item.partition("=")
            if not sep:
                raise ValidationError(f"parameter {item!r} is not KEY=VALUE")
            raw[key.strip()] = value.strip()
        if fmt in FILE_ONLY and output is None:
            raise ValidationError(i18n._("--format {fmt} writes a file: add -o FILE", fmt=fmt))
        if fmt == "table" and output is not None:
            raise ValidationError(
                i18n._("--format table prints: to write -o FILE, choose csv, json, xlsx or html")
            )
        if output is not None:
            with app.desk() as desk:
                table = desk.reports.write(name, output, fmt, **raw)
            if fmt == "png":
                _warn_without_cjk_font()
        else:
            with app.desk() as desk:
                # A table is read on screen: its first rows only, which the report may read alone.
                first = cli_output.TABLE_MOST if fmt == "table" else None
                table = desk.reports.run(name, first_rows=first, **raw)
                title = desk.reports.title(name)
            emit_rows(list(table.columns), table.rows, fmt, title=title, more=table.more)
            return
        click.echo(i18n._("wrote {path} ({rows} rows)", path=output, rows=len(table.rows)))

    return group


def command() -> click.Command:
    return report_group("report")
