"""The demo feature: `crm demo`, a company's three-block rollout replayed step by step."""

from __future__ import annotations

import click

from crm_core import __version__
from crm_core.demo.command import demo
from crm_core.hooks.markers import hookimpl
from crm_core.hooks.plugin_spec import PluginSpec

plugin = PluginSpec(
    name="demo",
    title="Demo",
    title_zh="演示",
    version=__version__,
    description="`crm demo`: a fictional company rolls out its CRM, block by block.",
)


@hookimpl
def crm_register_commands(cli: click.Group) -> None:
    cli.add_command(demo)
