"""`crm dashboard`: the acting user's reminders and reports as one HTML page."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from crm_core.cli.app import App, pass_app
from crm_core.cli.options import as_option, day_option
from crm_core.foundation import i18n
from crm_core.foundation.files import replace_file


@click.command("dashboard")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@as_option
@day_option
@pass_app
def dashboard_(app: App, output: Path, on: datetime | None) -> None:
    """Write the acting user's dashboard (reminders and their role's reports) as one HTML page.
    个人仪表盘。"""
    with app.desk() as desk:
        page = desk.reports.dashboard_html(on.date() if on else None)
    replace_file(output, page)
    click.echo(i18n._("wrote {path}", path=output))


def command() -> click.Command:
    return dashboard_
