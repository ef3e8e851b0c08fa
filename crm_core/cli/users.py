"""`crm users`: people, their roles, teams and permissions."""

from __future__ import annotations

import click

from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit, format_option
from crm_core.kernel.models import ROLES
from crm_core.services import users


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


def command() -> click.Command:
    return users_group()
