"""`crm init`: create a deployment and its first admin."""

from __future__ import annotations

import click

from crm_core.cli.app import App, pass_app
from crm_core.foundation import i18n


@click.command()
@click.option(
    "--admin", "admin_login", default="admin", show_default=True, help="Login of the first admin."
)
@click.option(
    "--admin-name", default="Admin", show_default=True, help="Display name of the first admin."
)
@pass_app
def init(app: App, admin_login: str, admin_name: str) -> None:
    """Create a deployment: the core tables and the first admin.  创建部署。"""
    from crm_core.api.crm import Crm

    deployment = app.unchecked_deployment
    Crm(deployment).initialise(admin=admin_login, admin_name=admin_name)
    click.echo(i18n._("Deployment initialised at {url}.", url=deployment.label))


def command() -> click.Command:
    return init
