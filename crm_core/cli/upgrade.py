"""`crm upgrade`: migrate the core and every enabled plugin."""

from __future__ import annotations

import click

from crm_core.cli.app import App, pass_app
from crm_core.foundation import i18n


@click.command()
@pass_app
def upgrade(app: App) -> None:
    """Migrate the core and every enabled plugin to the newest schema.  升级数据库结构。"""
    branches = app.crm.upgrade()
    click.echo(i18n._("Up to date: {branches}.", branches=", ".join(branches)))


def command() -> click.Command:
    return upgrade
