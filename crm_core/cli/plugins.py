"""`crm plugins`: what is installed, what this deployment enabled, and changing that."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from crm_core.api.plugins import PluginRecord
from crm_core.api.serializers import columns_of, to_json
from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit, emit_object, format_option
from crm_core.foundation import i18n

if TYPE_CHECKING:
    from crm_core.api.plugins import Plugins


def _plugins(app: App) -> Plugins:
    """The plugins of the deployment, which need not exist yet (then: what is installed)."""
    from crm_core.api.plugins import Plugins

    return Plugins(app.unchecked_deployment)


def plugins_group() -> click.Group:
    @click.group("plugins")
    def plugins() -> None:
        """Business blocks: list, enable, disable.  业务模块（插件）。"""

    @plugins.command("list")
    @format_option
    @pass_app
    def plugins_list(app: App, fmt: str) -> None:
        """Installed plugins and whether this deployment enabled them."""
        found = _plugins(app).list()
        columns = [c for c in columns_of(PluginRecord) if c != "distribution"]
        emit([to_json(r) for r in found], fmt, columns)

    @plugins.command("info")
    @click.argument("name")
    @format_option
    @pass_app
    def plugins_info(app: App, name: str, fmt: str) -> None:
        """Everything known about one plugin."""
        emit_object(to_json(_plugins(app).info(name)), fmt)

    @plugins.command("enable")
    @click.argument("names", nargs=-1, required=True)
    @click.option("--with-deps", is_flag=True, help="Also enable the plugins these require.")
    @pass_app
    def plugins_enable(app: App, names: tuple[str, ...], with_deps: bool) -> None:
        """Run the plugins' migrations and enable them here (admins only)."""
        order = app.crm.plugins.enable(names, as_login=app.as_login, with_deps=with_deps)
        click.echo(i18n._("Enabled {names}.", names=", ".join(order)))

    @plugins.command("disable")
    @click.argument("name")
    @pass_app
    def plugins_disable(app: App, name: str) -> None:
        """Stop a plugin here; every row of its data is kept for re-enabling."""
        app.crm.plugins.disable(name, as_login=app.as_login)
        click.echo(i18n._("Disabled {name}; its data is kept.", name=name))

    return plugins


def command() -> click.Command:
    return plugins_group()
