"""`crm teams`: the team tree."""

from __future__ import annotations

import click

from crm_core.api.serializers import columns_of, to_json
from crm_core.api.teams import TeamRecord
from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit, format_option


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
        with app.desk(write=True) as desk:
            desk.teams.add(name, parent)
        click.echo(f"added team {name}")

    @group.command("move")
    @click.argument("name")
    @click.option("--parent", help="New parent team; omit to make it a top-level team.")
    @pass_app
    def move(app: App, name: str, parent: str | None) -> None:
        """Make a team (with its subtree) report to another team."""
        with app.desk(write=True) as desk:
            desk.teams.move(name, parent)
        click.echo(f"moved team {name}")

    @group.command("list")
    @format_option
    @pass_app
    def list_(app: App, fmt: str) -> None:
        """Teams in tree order."""
        with app.desk() as desk:
            rows = [to_json(t) for t in desk.teams.list()]
        if fmt == "table":  # the tree drawn by indenting
            rows = [{**r, "name": "  " * r["depth"] + r["name"]} for r in rows]
        emit(rows, fmt, columns_of(TeamRecord))

    return group


def command() -> click.Command:
    return teams_group()
