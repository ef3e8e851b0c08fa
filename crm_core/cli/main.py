"""The `crm` command. Core commands are built fresh per invocation; enabled plugins add theirs
through `crm_register_commands` once the selected deployment is known."""

from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING, Any

import click

from crm_core import __version__
from crm_core.foundation.errors import CrmError, one_line

if TYPE_CHECKING:
    from crm_core.cli.app import App
    from crm_core.kernel.plugins import PluginCatalog

#: The core's commands: name -> the module of `crm_core.cli` whose `command()` builds it. A
#: module is imported only when its command runs (or help lists it), so `crm --version` and
#: every command pay only for what they use.
CORE_COMMANDS: dict[str, str] = {
    "audit": "audit",
    "config": "config",
    "contacts": "contacts",
    "customers": "customers",
    "dashboard": "dashboard",
    "export": "export",
    "fields": "fields",
    "follow-ups": "follow_ups",
    "import": "import_",
    "init": "init",
    "interactions": "interactions",
    "picklists": "picklists",
    "plugins": "plugins",
    "products": "products",
    "reminders": "reminders",
    "report": "report",
    "rollout": "rollout",
    "rollups": "rollups",
    "rules": "rules",
    "seed-demo": "seed_demo",
    "sync": "sync",
    "teams": "teams",
    "tokens": "tokens",
    "trash": "trash",
    "upgrade": "upgrade",
    "users": "users",
    "worksheets": "worksheets",
}


def core_command(name: str) -> click.Command:
    module = importlib.import_module(f"crm_core.cli.{CORE_COMMANDS[name]}")
    command: click.Command = module.command()
    return command


class CoreCommands(dict[str, click.Command]):
    """The group's commands: a core command is built when first looked up, so a plugin's
    `crm_register_commands` can reach `cli.commands["customers"]` to add a subcommand."""

    def __missing__(self, name: str) -> click.Command:
        if name not in CORE_COMMANDS:
            raise KeyError(name)
        command = self[name] = core_command(name)
        return command


class CrmGroup(click.Group):
    """The core's commands from CORE_COMMANDS, and those of the enabled plugins and the core's
    features, added before any subcommand is resolved (the features' alone when there is no
    deployment yet)."""

    #: The installed plugins; None scans entry points. Tests pass their own.
    catalog: PluginCatalog | None = None
    #: Set once the enabled plugins' commands are in the tree for good (the server's tree of
    #: one plugin snapshot): each run then skips asking the plugins again.
    preloaded: bool = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = CoreCommands(self.commands)

    def _load_plugin_commands(self, ctx: click.Context) -> None:
        if self.preloaded or ctx.meta.get("crm.plugin_commands") is not None:
            return
        ctx.meta["crm.plugin_commands"] = True
        from sqlalchemy.exc import SQLAlchemyError

        app = _app(ctx)
        try:
            app.unchecked_deployment.hook.crm_register_commands(cli=self)
        except (CrmError, SQLAlchemyError) as exc:
            ctx.meta["crm.plugin_error"] = str(exc).splitlines()[0]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        from crm_core.cli.bounds import bound

        if cmd_name != "init":
            self._load_plugin_commands(ctx)
        if cmd_name in CORE_COMMANDS:
            return bound(self.commands[cmd_name])
        found = self.commands.get(cmd_name)
        return None if found is None else bound(found)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands(ctx)
        return sorted(set(self.commands) | set(CORE_COMMANDS))


def _app(ctx: click.Context) -> App:
    from crm_core.cli.app import App

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
        # Eager, as --help is: `crm --db URL --help` then lists that deployment's plugins' commands.
        is_eager=True,
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
        """A pluggable CRM: roll out one block at a time.  可插拔的客户关系管理系统。

        The crm command is the administrator's tool on the machine that holds the database:
        whoever can open the database file can act as anyone (--as), so it trusts them as an
        administrator. The company's people sign in to the server (crm serve) with their own
        passwords and see only what their role and team allow (docs/security.md).
        crm 命令是服务器上管理员的工具；员工通过 crm serve 用自己的密码登录。"""
        _app(ctx)

    assert isinstance(cli, CrmGroup)
    cli.catalog = catalog
    return cli


#: The exit code of a defect that reached the top (EX_SOFTWARE); tests assert no input gets here.
INTERNAL_ERROR = 70


def run(args: list[str], catalog: PluginCatalog | None = None) -> int:
    """Run the CLI in-process; user errors become one line on stderr and a non-zero code."""
    from crm_core.cli.bounds import unreadable

    problem = unreadable(args)
    if problem is not None:
        click.echo(f"error: {problem}", err=True)
        return 2
    cli = build_cli(catalog)
    try:
        code = cli.main(args=args, prog_name="crm", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.UsageError as exc:
        # One line, like every other refusal: what is wrong, and where the help is.
        where = exc.ctx.command_path if exc.ctx is not None else "crm"
        click.echo(one_line(f"error: {exc.format_message()} (see: {where} --help)"), err=True)
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except CrmError as exc:
        click.echo(one_line(f"error: {exc}"), err=True)
        return exc.exit_code
    except OSError as exc:
        if os.environ.get("CRM_DEBUG"):
            raise
        click.echo(
            one_line(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")), err=True
        )
        return 1
    except Exception as exc:
        if os.environ.get("CRM_DEBUG"):
            raise
        if _is_database_error(exc):
            first = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            click.echo(f"error: database: {first[0] if first else type(exc).__name__}", err=True)
            return 1
        # A defect, not the user's input: one line all the same, the rest on request.
        click.echo(
            f"error: internal error ({type(exc).__name__}); CRM_DEBUG=1 shows where", err=True
        )
        return INTERNAL_ERROR
    return code if isinstance(code, int) else 0


def _is_database_error(exc: Exception) -> bool:
    """Whether SQLAlchemy raised `exc` (looked up only if SQLAlchemy was imported at all)."""
    errors = sys.modules.get("sqlalchemy.exc")
    return errors is not None and isinstance(exc, errors.SQLAlchemyError)


def main() -> None:
    sys.exit(run(sys.argv[1:]))


if __name__ == "__main__":
    main()
