"""`crm config`: the deployment's settings (list, get, set)."""

from __future__ import annotations

import click

from crm_core.api.settings import SettingRecord
from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit_records, format_option


def config_group() -> click.Group:
    @click.group("config")
    def config() -> None:
        """Deployment settings (time zone, currency, plugin options).  系统设置。"""

    @config.command("list")
    @format_option
    @pass_app
    def config_list(app: App, fmt: str) -> None:
        """Every setting with its value and help."""
        with app.desk() as desk:
            found = desk.settings.list()
        emit_records(found, fmt, SettingRecord)

    @config.command("get")
    @click.argument("key")
    @pass_app
    def config_get(app: App, key: str) -> None:
        """Print one setting's value."""
        with app.desk() as desk:
            click.echo(desk.settings.get(key))

    @config.command("set")
    @click.argument("key")
    @click.argument("value")
    @pass_app
    def config_set(app: App, key: str, value: str) -> None:
        """Change a setting (admins only); the value is checked first."""
        with app.desk(write=True) as desk:
            parsed = desk.settings.set(key, value)
        click.echo(f"{key} = {parsed}")

    return config


def command() -> click.Command:
    return config_group()
