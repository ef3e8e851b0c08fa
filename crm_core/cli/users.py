"""`crm users`: people, their roles, teams and permissions."""

from __future__ import annotations

import secrets
import sys

import click

from crm_core.api.common import KEEP
from crm_core.api.users import NewUser, UserChanges, UserRecord
from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit_records, format_option
from crm_core.foundation.errors import ValidationError
from crm_core.kernel.models import ROLES


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
        with app.desk(write=True) as desk:
            user = desk.users.add(NewUser(login, name, role, team_name, email))
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
        changes = UserChanges(
            name=KEEP if name is None else name,
            role=KEEP if role is None else role,
            team=KEEP if team_name is None else team_name,
            active=KEEP if active is None else active,
        )
        with app.desk(write=True) as desk:
            desk.users.change(login, changes)
            click.echo(f"changed user {login}")

    @group.command("list")
    @format_option
    @pass_app
    def list_(app: App, fmt: str) -> None:
        """Every user with role, team and permissions."""
        with app.desk() as desk:
            found = desk.users.list()
        emit_records(found, fmt, UserRecord)

    @group.command("grant")
    @click.argument("login")
    @click.argument("permission")
    @pass_app
    def grant(app: App, login: str, permission: str) -> None:
        """Grant a registered permission (e.g. audit-reader) to a user."""
        with app.desk(write=True) as desk:
            desk.users.grant(login, permission)
        click.echo(f"granted {permission} to {login}")

    @group.command("revoke")
    @click.argument("login")
    @click.argument("permission")
    @pass_app
    def revoke(app: App, login: str, permission: str) -> None:
        """Take a permission back."""
        with app.desk(write=True) as desk:
            desk.users.revoke(login, permission)
        click.echo(f"revoked {permission} from {login}")

    @group.command("passwd")
    @click.argument("login")
    @click.option(
        "--generate", is_flag=True, help="Make a strong random password and print it, once."
    )
    @click.option(
        "--password-stdin",
        "from_stdin",
        is_flag=True,
        help="Read the password from standard input (a script's pipe).",
    )
    @pass_app
    def passwd(app: App, login: str, generate: bool, from_stdin: bool) -> None:
        """Set a user's password for signing in to the server (admins). They choose their own at
        their next sign-in; their open sessions end. Asked for twice, not echoed."""
        if generate and from_stdin:
            raise ValidationError("--generate or --password-stdin, not both")
        if generate:
            password = secrets.token_urlsafe(12)
        elif from_stdin:
            line: str = sys.stdin.readline()
            password = line.rstrip("\r\n")
        elif not sys.stdin.isatty():
            raise ValidationError(
                "not at a terminal: give --password-stdin (and pipe the password) or --generate"
            )
        else:
            password = click.prompt(
                f"New password for {login}", hide_input=True, confirmation_prompt=True
            )
        with app.desk(write=True) as desk:
            desk.users.set_password(login, password)
        click.echo(f"password set for {login}; they choose their own at their next sign-in")
        if generate:
            click.echo(password)

    return group


def command() -> click.Command:
    return users_group()
