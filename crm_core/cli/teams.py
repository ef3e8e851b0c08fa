"""`crm teams`: the team tree."""

from __future__ import annotations

import click

from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit, format_option
from crm_core.services import teams


def teams_group() -> click.Group:
    @click.group("teams")
    def group() -> None:
        """Teams and who reports to whom.  团队。"""

    @group.command("add")
    @click.argument("name")
    @click.option("--parent", help="The team this one reports to.")
    @pass_app
    def add(app: App, name: str, parent: str | None) -> None:
        """Add a team (admins only)."""
        with app.work(write=True) as ctx:
            teams.add(ctx, name, parent)
        click.echo(f"added team {name}")

    @group.command("move")
    @click.argument("name")
    @click.option("--parent", help="New parent team; omit to make it a top-level team.")
    @pass_app
    def move(app: App, name: str, parent: str | None) -> None:
        """Make a team (with its subtree) report to another team."""
        with app.work(write=True) as ctx:
            teams.move(ctx, name, parent)
        click.echo(f"moved team {name}")

    @group.command("list")
    @format_option
    @pass_app
    def list_(app: App, fmt: str) -> None:
        """Teams in tree order."""
        with app.work() as ctx:
            rows = [
                {
                    "name": ("  " * depth if fmt == "table" else "") + t.name,
                    "parent": parent,
                    "depth": depth,
                }
                for t, parent, depth in teams.list_all(ctx)
            ]
        emit(rows, fmt, ["name", "parent", "depth"])

    return group


def command() -> click.Command:
    return teams_group()
