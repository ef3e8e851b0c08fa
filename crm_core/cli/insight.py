"""`crm report`, `crm dashboard` and `crm reminders`."""

from __future__ import annotations

import json
from datetime import datetime
from itertools import chain
from pathlib import Path

import attrs
import click

from crm_core.api.serializers import json_chunks, jsonable
from crm_core.cli import output as cli_output
from crm_core.cli.app import App, pass_app
from crm_core.cli.output import FORMATS, emit, emit_rows, format_option
from crm_core.features import reminders
from crm_core.features.reports import dashboard
from crm_core.features.reports import engine as reports
from crm_core.features.reports import files as report_files
from crm_core.foundation import charts, i18n
from crm_core.foundation.errors import ValidationError
from crm_core.foundation.files import replace_file


def _set_actor(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.find_object(App).as_login = value  # type: ignore[union-attr]


#: `--as LOGIN` on a subcommand: the same as `crm --as LOGIN ...`.
as_option = click.option(
    "--as",
    "as_login",
    metavar="LOGIN",
    expose_value=False,
    callback=_set_actor,
    help="Act as this user (same as `crm --as`).",
)

day_option = click.option(
    "--date", "on", type=click.DateTime(["%Y-%m-%d"]), help="Day to look at (default today)."
)


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
        with app.work() as ctx:
            rows = [
                {
                    "name": r.name,
                    "title": r.label(),
                    "params": [p.name for p in r.params],
                    "dashboard": list(r.dashboard),
                }
                for r in sorted(reports.registry(ctx).values(), key=lambda r: r.name)
            ]
        emit(rows, fmt, ["name", "title", "params", "dashboard"])

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
        type=click.Choice((*FORMATS, *report_files.FILE_FORMATS)),
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
        if fmt in report_files.FILE_FORMATS and output is None:
            raise ValidationError(i18n._("--format {fmt} writes a file: add -o FILE", fmt=fmt))
        if fmt == "table" and output is not None:
            raise ValidationError(
                i18n._("--format table prints: to write -o FILE, choose csv, json, xlsx or html")
            )
        if output is not None:
            report_files.check_output(fmt, output)
        with app.work() as ctx:
            report = reports.lookup(ctx, name)
            resolved = reports.resolve_params(report, raw)
            # A table is read on screen: its first rows only, which the report may read alone.
            first = cli_output.TABLE_MOST if fmt == "table" else None
            table = reports.run_alone(ctx, report, resolved, first=first)
            actor = ctx.actor.login
        if output is None:
            emit_rows(list(table.columns), table.rows, fmt, title=report.label(), more=table.more)
            return
        if fmt == "png":
            _warn_without_cjk_font()
        if fmt == "json":
            replace_file(output, chain(json_chunks(list(table.columns), table.rows), ["\n"]))
        else:
            report_files.write(report, table, resolved, actor, fmt, output)
        click.echo(i18n._("wrote {path} ({rows} rows)", path=output, rows=len(table.rows)))

    return group


@click.command("dashboard")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@as_option
@day_option
@pass_app
def dashboard_(app: App, output: Path, on: datetime | None) -> None:
    """Write the acting user's dashboard (reminders and their role's reports) as one HTML page.
    个人仪表盘。"""
    with app.work() as ctx:
        day = on.date() if on else ctx.today()
        page = dashboard.html(ctx, day)
    replace_file(output, page)
    click.echo(i18n._("wrote {path}", path=output))


#: Items of each kind `crm reminders` lists without `--limit` or `--all`, as the dashboard does:
#: a top manager's every overdue item at a million customers is 1.7 million rows (57 s, 2 GB).
REMINDER_LIMIT = dashboard.REMINDER_ROWS


@click.command("reminders")
@as_option
@day_option
@click.option("--for", "user_login", help="Someone you manage (default: you).")
@click.option(
    "--digest",
    is_flag=True,
    help="Print a plain-text digest for mail or chat (with --format json: as one object).",
)
@click.option(
    "--send", is_flag=True, help="Deliver the digest (reminders_outbox or a delivering plugin)."
)
@click.option(
    "--limit",
    type=click.IntRange(1),
    help="At most N items of each kind for you and as many for your team, the earliest due "
    f"first (default: {REMINDER_LIMIT}).",
)
@click.option("--all", "everything", is_flag=True, help="Every item, however many.")
@format_option
@pass_app
def reminders_(
    app: App,
    on: datetime | None,
    user_login: str | None,
    digest: bool,
    send: bool,
    limit: int | None,
    everything: bool,
    fmt: str,
) -> None:
    """What is due: follow-ups, and whatever the enabled plugins add; a manager also sees the
    team's overdue items.  待办提醒。"""
    if everything and limit is not None:
        raise ValidationError(i18n._("--all and --limit do not go together: choose one"))
    if digest and fmt == "csv":
        raise ValidationError(
            i18n._("a digest is text (or --format json): --format csv lists the items alone")
        )
    if not everything and limit is None:
        limit = REMINDER_LIMIT
    with app.work() as ctx:
        day = on.date() if on else ctx.today()
        if digest or send:
            message = reminders.digest(ctx, day, user_login, limit)
            places = reminders.deliver(ctx, message) if send else []
        else:
            rows = reminders.collect(ctx, day, user_login, limit)
        whose = user_login or ctx.actor.login
    if digest or send:
        if digest and fmt == "json":  # for a script that sends it its own way
            click.echo(json.dumps(jsonable(attrs.asdict(message)), ensure_ascii=False, indent=2))
        elif digest:
            click.echo(message.text, nl=False)
        for place in places:
            click.echo(i18n._("sent to {place}", place=place), err=digest)
        return
    emit(rows, fmt, list(reminders.COLUMNS))
    if limit is not None and reminders.reached_limit(rows, limit, whose):
        click.echo(
            i18n._(
                "at most {limit} items of each kind, the earliest due first: --all lists them all",
                limit=limit,
            ),
            err=True,
        )


def register(cli: click.Group) -> None:
    cli.add_command(report_group("report"))
    cli.add_command(report_group("reports", hidden=True))  # the name before 0.2
    cli.add_command(dashboard_)
    cli.add_command(reminders_)
