"""`crm tokens`: API tokens for integrations (an ERP, a website form, a script)."""

from __future__ import annotations

from datetime import datetime

import click

from crm_core.api.tokens import TokenRecord
from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit_records, format_option


def tokens_group() -> click.Group:
    @click.group("tokens")
    def group() -> None:
        """API tokens: an integration acts as a user through the REST API.  接口令牌。"""

    @group.command("create")
    @click.argument("login")
    @click.option(
        "--scope", type=click.Choice(("read", "write")), default="read", show_default=True
    )
    @click.option("--name", default="token", show_default=True, help="What it is for, e.g. ERP.")
    @click.option(
        "--expires",
        type=click.DateTime(["%Y-%m-%d"]),
        help="Last day it works (default: until revoked).",
    )
    @pass_app
    def create(app: App, login: str, scope: str, name: str, expires: datetime | None) -> None:
        """Make a token that acts as LOGIN, with LOGIN's visibility. The token is printed once:
        only its hash is stored. Admins make tokens for anyone; a user for themselves."""
        with app.desk(write=True) as desk:
            made = desk.tokens.create(login, name, scope, expires.date() if expires else None)
        click.echo(f"created token {made.record.id} for {login} ({scope}); it is shown only now:")
        click.echo(made.secret)

    @group.command("list")
    @click.argument("login", required=False)
    @format_option
    @pass_app
    def list_(app: App, login: str | None, fmt: str) -> None:
        """Tokens (never their secrets): LOGIN's, or everyone's for admins."""
        with app.desk() as desk:
            found = desk.tokens.list(login)
        emit_records(found, fmt, TokenRecord)

    @group.command("revoke")
    @click.argument("token_id", type=int)
    @pass_app
    def revoke(app: App, token_id: int) -> None:
        """End a token now; requests with it are refused from the next one on."""
        with app.desk(write=True) as desk:
            found = desk.tokens.revoke(token_id)
        click.echo(f"revoked token {found.id} ({found.name}) of {found.login}")

    return group


def command() -> click.Command:
    return tokens_group()
