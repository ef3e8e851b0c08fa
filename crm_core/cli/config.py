"""`crm config`: the deployment's settings (list, get, set)."""

from __future__ import annotations

import click

from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit, format_option
from crm_core.foundation.errors import PermissionDenied


def config_group() -> click.Group:
    @click.group("config")
    def config() -> None:
        """Deployment settings (time zone, currency, plugin options).  系统设置。"""

    @config.command("list")
    @format_option
    @pass_app
    def config_list(app: App, fmt: str) -> None:
        """Every setting with its value and help."""
        with app.work() as ctx:
            specs = ctx.settings.specs
            rows = [
                {"key": k, "value": v, "help": specs[k].help} for k, v in ctx.settings.all().items()
            ]
        emit(rows, fmt, ["key", "value", "help"])

    @config.command("get")
    @click.argument("key")
    @pass_app
    def config_get(app: App, key: str) -> None:
        """Print one setting's value."""
        with app.work() as ctx:
            click.echo(ctx.settings.get(key))

    @config.command("set")
    @click.argument("key")
    @click.argument("value")
    @pass_app
    def config_set(app: App, key: str, value: str) -> None:
        """Change a setting (admins only); the value is checked first."""
        with app.work(write=True) as ctx:
            if not ctx.actor.is_admin:
                raise PermissionDenied("only an admin may change settings")
            parsed = ctx.settings.set(key, value)
        click.echo(f"{key} = {parsed}")

    return config


def command() -> click.Command:
    return config_group()
