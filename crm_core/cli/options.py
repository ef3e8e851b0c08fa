"""Options several commands share."""

from __future__ import annotations

import click

from crm_core.cli.app import App


def set_actor(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.find_object(App).as_login = value  # type: ignore[union-attr]


#: `--as LOGIN` on a subcommand: the same as `crm --as LOGIN ...`.
as_option = click.option(
    "--as",
    "as_login",
    metavar="LOGIN",
    expose_value=False,
    callback=set_actor,
    help="Act as this user (same as `crm --as`).",
)


day_option = click.option(
    "--date", "on", type=click.DateTime(["%Y-%m-%d"]), help="Day to look at (default today)."
)
