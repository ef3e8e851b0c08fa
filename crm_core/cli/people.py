"""`crm users` and `crm teams`."""

from __future__ import annotations

import click

from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit, format_option
from crm_core.kernel.models import ROLES
from crm_core.services import teams, users


def users_group() -> click.Group:
    @click.group("users")
    def group() -> None:
        """People of the company and their roles.  用户。"""

    @group.command("add")
    @click.argument("login")
    @click.option("--name", required=True, help="Display name, e.g. 张伟.")
    @click.option("--role", type=click.Choice(ROLES), default="sales", show_default=True)
    @click.option("--team", "team_name", help="Team name; required for managers.")
    @click.option("--email")
    @pass_app
    def add(
        app: App, login: str, name: str, role: str, team_name: str | None, email: str | None
    ) -> None:
        """Add a user (admins only)."""
        with app.work(write=True) as ctx:
            user = users.add(ctx, login, name, role, team_name, email)
            click.echo(f"added user {user.login} ({user.role})")

    @group.command("change")
    @click.argument("login")
    @click.option("--name")
    @click.option("--role", type=click.Choice(ROLES))
    @click.option("--team", "team_name")
    @click.option("--active/--inactive", default=None)
    @pass_app
    def change(
        app: App,
        login: str,
        name: str | None,
        role: str | None,
        team_name: str | None,
        active: bool | None,
    ) -> None:
        """Change a user's name, role, team or active flag (admins only)."""
        with app.work(write=True) as ctx:
            users.change(ctx, login, role=role, team_name=team_name, active=active, name=name)
            click.echo(f"changed user {login}")

    @group.command("list")
    @format_option
    @pass_app
    def list_(app: App, fmt: str) -> None:
        """Every user with role, team and permissions."""
        with app.work() as ctx:
            rows = [
                {
                    "login": u.login,
                    "name": u.name,
                    "role": u.role,
                    "team": team,
                    "active": u.active,
                    "permissions": perms,
                }
                for u, team, perms in users.list_all(ctx)
            ]
        emit(rows, fmt, ["login", "name", "role", "team", "active", "permissions"])

    @group.command("grant")
    @click.argument("login")
    @click.argument("permission")
    @pass_app
    def grant(app: App, login: str, permission: str) -> None:
        """Grant a registered permission (e.g. audit-reader) to a user."""
        with app.work(write=True) as ctx:
            users.grant(ctx, login, permission)
        click.echo(f"granted {permission} to {login}")

    @group.command("revoke")
    @click.argument("login")
    @click.argument("permission")
    @pass_app
    def revoke(app: App, login: str, permission: str) -> None:
        """Take a permission back."""
        with app.work(write=True) as ctx:
            users.revoke(ctx, login, permission)
        click.echo(f"revoked {permission} from {login}")

    return group


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


def register(cli: click.Group) -> None:
    cli.add_command(users_group())
    cli.add_command(teams_group())
