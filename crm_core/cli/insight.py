"""`crm reports` and `crm reminders`."""

from __future__ import annotations

from datetime import datetime

import click

from crm_core import i18n
from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit, format_option
from crm_core.errors import ValidationError
from crm_core.services import reminders, reports


def reports_group() -> click.Group:
    @click.group("reports")
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
                    "title": r.title_zh if i18n.language() == "zh" and r.title_zh else r.title,
                    "params": [p.name for p in r.params],
                }
                for r in sorted(reports.registry(ctx).values(), key=lambda r: r.name)
            ]
        emit(rows, fmt, ["name", "title", "params"])

    @group.command("run")
    @click.argument("name")
    @click.option(
        "--param",
        "-p",
        "params",
        multiple=True,
        metavar="KEY=VALUE",
        help="Report parameter, e.g. -p since=2026-01-01 (repeatable).",
    )
    @format_option
    @pass_app
    def run(app: App, name: str, params: tuple[str, ...], fmt: str) -> None:
        """Run a report over the rows you may see."""
        raw: dict[str, str] = {}
        for item in params:
            key, sep, value = item.partition("=")
            if not sep:
                raise ValidationError(f"parameter {item!r} is not KEY=VALUE")
            raw[key.strip()] = value.strip()
        with app.work() as ctx:
            table = reports.run(ctx, name, raw)
        emit(table.records(), fmt, list(table.columns), title=name)

    return group


@click.command("reminders")
@click.option(
    "--date", "on", type=click.DateTime(["%Y-%m-%d"]), help="Day to look at (default today)."
)
@click.option("--for", "user_login", help="Someone you manage (default: you).")
@format_option
@pass_app
def reminders_(app: App, on: datetime | None, user_login: str | None, fmt: str) -> None:
    """What is due: follow-ups, and whatever the enabled plugins add.  待办提醒。"""
    with app.work() as ctx:
        day = on.date() if on else ctx.today()
        rows = reminders.collect(ctx, day, user_login)
    emit(rows, fmt, ["due_on", "overdue_days", "kind", "customer", "what", "source"])


def register(cli: click.Group) -> None:
    cli.add_command(reports_group())
    cli.add_command(reminders_)
