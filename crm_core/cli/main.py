"""The `crm` command. Core commands are built fresh per invocation; enabled plugins add theirs
through `crm_register_commands` once the selected deployment is known."""

from __future__ import annotations

import os
import sys

import click
from sqlalchemy.exc import SQLAlchemyError

from crm_core import __version__
from crm_core.cli import (
    admin,
    customers,
    customize,
    data,
    insight,
    people,
    plugins,
    products,
    rules,
    sync,
    tracking,
    work,
    worksheets,
)
from crm_core.cli.app import App
from crm_core.foundation.errors import CrmError
from crm_core.kernel.plugins import PluginCatalog


class CrmGroup(click.Group):
    """Adds the commands of the core's features and of the enabled plugins before resolving any
    subcommand (the features' alone when there is no deployment yet)."""

    #: The installed plugins; None scans entry points. Tests pass their own.
    catalog: PluginCatalog | None = None

    def _load_plugin_commands(self, ctx: click.Context) -> None:
        if ctx.meta.get("crm.plugin_commands") is not None:
            return
        ctx.meta["crm.plugin_commands"] = True
        app = _app(ctx)
        try:
            app.unchecked_deployment.hook.crm_register_commands(cli=self)
        except (CrmError, SQLAlchemyError) as exc:
            ctx.meta["crm.plugin_error"] = str(exc).splitlines()[0]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in {"init", "--help"}:
            self._load_plugin_commands(ctx)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands(ctx)
        return super().list_commands(ctx)


def _app(ctx: click.Context) -> App:
    if not isinstance(ctx.obj, App):
        catalog = getattr(ctx.find_root().command, "catalog", None)
        ctx.obj = App(ctx.params.get("db"), ctx.params.get("as_login"), catalog)
        ctx.call_on_close(ctx.obj.close)
    return ctx.obj


def build_cli(catalog: PluginCatalog | None = None) -> CrmGroup:
    @click.group(cls=CrmGroup, context_settings={"help_option_names": ["-h", "--help"]})
    @click.option(
        "--db",
        envvar="CRM_DATABASE_URL",
        metavar="URL",
        help="Database URL (default sqlite:///crm.db; or set CRM_DATABASE_URL).",
    )
    @click.option(
        "--as",
        "as_login",
        envvar="CRM_AS",
        metavar="LOGIN",
        help="Act as this user (default: the deployment's default_actor).",
    )
    @click.version_option(__version__, prog_name="crm")
    @click.pass_context
    def cli(ctx: click.Context, db: str | None, as_login: str | None) -> None:
        """A pluggable CRM: roll out one block at a time.  可插拔的客户关系管理系统。"""
        _app(ctx)

    assert isinstance(cli, CrmGroup)
    cli.catalog = catalog
    for module in (
        admin,
        plugins,
        people,
        customers,
        work,
        products,
        data,
        worksheets,
        insight,
        tracking,
        customize,
        rules,
        sync,
    ):
        module.register(cli)
    return cli


def run(args: list[str], catalog: PluginCatalog | None = None) -> int:
    """Run the CLI in-process; user errors become one line on stderr and a non-zero code."""
    cli = build_cli(catalog)
    try:
        code = cli.main(args=args, prog_name="crm", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except CrmError as exc:
        click.echo(f"error: {exc}", err=True)
        return exc.exit_code
    except SQLAlchemyError as exc:
        if os.environ.get("CRM_DEBUG"):
            raise
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        click.echo(f"error: database: {first[0] if first else type(exc).__name__}", err=True)
        return 1
    except OSError as exc:
        if os.environ.get("CRM_DEBUG"):
            raise
        click.echo(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), err=True)
        return 1
    return code if isinstance(code, int) else 0


def main() -> None:
    sys.exit(run(sys.argv[1:]))


if __name__ == "__main__":
    main()
