"""The server feature: `crm serve` and `crm jobs`, on in every deployment."""

from __future__ import annotations

import click

from crm_core import __version__
from crm_core.hooks.markers import hookimpl
from crm_core.hooks.plugin_spec import PluginSpec

plugin = PluginSpec(
    name="server",
    title="Server",
    title_zh="服务器",
    version=__version__,
    description="`crm serve`: sign-in, the REST API and the daily jobs for the company's people.",
)


@hookimpl
def crm_register_commands(cli: click.Group) -> None:
    from crm_core.server.command import jobs_group, serve

    cli.add_command(serve)
    cli.add_command(jobs_group)
