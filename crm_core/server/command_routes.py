"""The REST API's route table, read off the `crm` command tree of the enabled plugins.

Every command is one route, by these rules (decision 0034):

- `G list` is `GET /api/v1/G`; `G show A [B]` is `GET /api/v1/G/{a}[/{b}]`;
- `G add|log|open|create ...` is `POST /api/v1/G` (201);
- `G update|change A` is `PATCH /api/v1/G/{a}`; `G delete A` is `DELETE /api/v1/G/{a}`;
- any other `G verb A ...` is `GET` (reads) or `POST` (writes) `/api/v1/G/{a}/verb`, or
  `/api/v1/G/verb` when its first argument is not a single value;
- the other arguments and the options are query parameters (GET) or JSON body keys, named
  after the long option (`--dry-run` is `dry_run`); files are multipart uploads.

A route's parameters, checks and messages are the command's own: the server runs the command
as the signed-in user, so the two surfaces cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

import attrs
import click

#: Commands the server never runs: they create, migrate or fill a deployment, run the server,
#: or set passwords (a route of its own does, with the password in the body, never the log).
NOT_SERVED = frozenset(
    {
        ("init",),
        ("upgrade",),
        ("seed-demo",),
        ("demo",),
        ("serve",),
        ("jobs", "list"),
        ("jobs", "run"),
        ("users", "passwd"),
    }
)

#: Verbs that only read: served as GET, in a unit of work that cannot write.
READ_VERBS = frozenset(
    {
        "list",
        "show",
        "get",
        "info",
        "search",
        "tree",
        "duplicates",
        "segment",
        "payments",
        "status",
        "indicators",
        "entities",
        "events",
        "actions",
        "run",
        "audit",
        "reminders",
        "export",
        "dashboard",
        "verify-files",
    }
)
#: Commands whose verb reads like a read but that write (an ERP export records what it sent).
WRITING_COMMANDS = frozenset({("sync", "export")})
CREATE_VERBS = frozenset({"add", "log", "open", "create"})
UPDATE_VERBS = frozenset({"update", "change"})

#: Path parameters that name a file the command writes: the server gives it a path of its own
#: and sends the file back (a folder as a zip).
OUTPUT_FILES = frozenset(
    {
        (("dashboard",), "output"),
        (("rollout", "report"), "output"),
        (("report", "run"), "output"),
        (("export",), "path"),
        (("worksheets", "issue"), "directory"),
        (("sync", "export"), "file"),
        (("import",), "error_file"),
    }
)
#: Parameters the server sets itself: the output format, the acting user, progress bars.
SERVER_SET = frozenset({"fmt", "as_login", "quiet"})
#: Parameters a GET may not take: they would make a read act (send mail).
NOT_ON_GET = frozenset({"send"})


@attrs.frozen
class Param:
    """One parameter of a route: a command's argument or option."""

    name: str
    click_name: str
    argument: bool
    flag: str | None  # the option's --name (None for an argument)
    off_flag: str | None  # the --no-... of an on/off pair
    is_flag: bool
    multiple: bool
    required: bool
    kind: str  # string, integer, number, boolean, date
    choices: tuple[str, ...] | None
    file: str | None  # "upload", "output" or None
    folder: bool  # a folder: uploaded or sent back as a zip
    help: str
    default: Any = None


@attrs.frozen
class CommandRoute:
    method: str
    path: str
    command: tuple[str, ...]
    in_path: tuple[Param, ...]
    params: tuple[Param, ...]
    #: The command takes --format json: its answer is that JSON.
    json_output: bool
    #: Its --format choices: a file it writes takes the format its name's suffix says.
    formats: tuple[str, ...]
    creates: bool
    summary: str
    description: str
    pattern: re.Pattern[str] = attrs.field(eq=False, repr=False)

    @property
    def reads(self) -> bool:
        return self.method == "GET"

    @property
    def uploads(self) -> bool:
        return any(p.file == "upload" for p in self.params)

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    def param(self, name: str) -> Param | None:
        for found in (*self.in_path, *self.params):
            if found.name == name:
                return found
        return None


def _kind(param: click.Parameter) -> str:
    kind = param.type
    if isinstance(param, click.Option) and param.is_flag:
        return "boolean"
    if isinstance(kind, click.types.IntParamType):
        return "integer"
    if isinstance(kind, click.types.FloatParamType):
        return "number"
    if isinstance(kind, click.DateTime):
        return "date"
    if isinstance(kind, click.types.BoolParamType):
        return "boolean"
    return "string"


def _param(command: tuple[str, ...], param: click.Parameter) -> Param:
    argument = isinstance(param, click.Argument)
    assert param.name is not None
    flag = off = None
    is_flag = False
    if isinstance(param, click.Option):
        longs = [o for o in param.opts if o.startswith("--")] or list(param.opts)
        flag = longs[0]
        off = next((o for o in param.secondary_opts if o.startswith("--")), None)
        is_flag = param.is_flag
        name = flag.lstrip("-").replace("-", "_")
    else:
        name = param.name
    file = None
    folder = False
    if isinstance(param.type, click.Path):
        file = "output" if (command, param.name) in OUTPUT_FILES else "upload"
        folder = not param.type.file_okay
    choices = tuple(param.type.choices) if isinstance(param.type, click.Choice) else None
    multiple = bool(getattr(param, "multiple", False)) or param.nargs == -1
    default = None
    if isinstance(param, click.Option) and not callable(param.default):
        default = param.default if param.default not in ((), False) else None
    return Param(
        name=name,
        click_name=param.name,
        argument=argument,
        flag=flag,
        off_flag=off,
        is_flag=is_flag,
        multiple=multiple,
        required=bool(param.required),
        kind=_kind(param),
        choices=tuple(str(c) for c in choices) if choices else None,
        file=file,
        folder=folder,
        help=(getattr(param, "help", None) or "").strip(),
        default=default if isinstance(default, str | int | float | bool) else None,
    )


def _segment(param: Param) -> str:
    return "{" + param.name + "}"


def route_of(command: tuple[str, ...], cmd: click.Command) -> CommandRoute | None:
    """The route that serves `command`, or None when the server does not serve it."""
    if command in NOT_SERVED:
        return None
    params = [_param(command, p) for p in cmd.params if p.name not in SERVER_SET]
    formats = tuple(
        str(choice)
        for p in cmd.params
        if p.name == "fmt" and isinstance(p.type, click.Choice)
        for choice in p.type.choices
    )
    json_output = "json" in formats
    verb = command[-1]
    group = command[:-1] if len(command) > 1 else command
    base = "/api/v1/" + "/".join(group)
    arguments = [p for p in params if p.argument]
    first = (
        arguments[0] if arguments and not arguments[0].multiple and not arguments[0].file else None
    )
    in_path: list[Param] = []
    creates = False
    if len(command) == 1:  # a top-level command: `crm audit`, `crm import ENTITY FILE`
        method = "GET" if verb in READ_VERBS else "POST"
        if first is not None:
            in_path = [first]
    elif verb == "list":
        method = "GET"
    elif verb == "show":
        method = "GET"
        in_path = [p for p in arguments if not p.multiple and not p.file]
    elif verb in CREATE_VERBS:
        method, creates = "POST", True
    elif verb in UPDATE_VERBS and first is not None:
        method, in_path = "PATCH", [first]
    elif verb == "delete" and first is not None:
        method, in_path = "DELETE", [first]
    else:
        method = "GET" if verb in READ_VERBS and command not in WRITING_COMMANDS else "POST"
        if first is not None:
            in_path = [first]
    path = base + "".join("/" + _segment(p) for p in in_path)
    if (
        len(command) > 1
        and verb not in {"list", "show", "update", "change", "delete"} | CREATE_VERBS
    ):
        path += "/" + verb
    if method == "GET":
        params = [p for p in params if p.name not in NOT_ON_GET]
    rest = tuple(p for p in params if p not in in_path)
    doc = (cmd.help or cmd.short_help or "").strip()
    summary = doc.split("\n", 1)[0].strip() or " ".join(command)
    return CommandRoute(
        method=method,
        path=path,
        command=command,
        in_path=tuple(in_path),
        params=rest,
        json_output=json_output,
        formats=formats,
        creates=creates,
        summary=summary,
        description=doc,
        pattern=compile_path(path),
    )


def compile_path(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[a-z_]+\})", path)
    regex = "".join(
        f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part) for part in parts
    )
    return re.compile(regex + "$")


def walk(cli: click.Group, ctx: click.Context) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every leaf command of the tree with its path of names."""

    def visit(group: click.Group, path: tuple[str, ...]) -> Iterator[Any]:
        for name in group.list_commands(ctx):
            found = group.get_command(ctx, name)
            if found is None or getattr(found, "hidden", False):
                continue
            if isinstance(found, click.Group):
                yield from visit(found, (*path, name))
            else:
                yield (*path, name), found

    yield from visit(cli, ())


def route_table(commands: Sequence[tuple[tuple[str, ...], click.Command]]) -> list[CommandRoute]:
    """Routes for the commands, fixed paths before parameters (`/customers/duplicates` is
    tried before `/customers/{ref}`). Two commands on one route are a defect."""
    routes: dict[str, CommandRoute] = {}
    for command, cmd in commands:
        found = route_of(command, cmd)
        if found is None:
            continue
        names = [p.name for p in (*found.in_path, *found.params)]
        if len(set(names)) != len(names):
            raise RuntimeError(f"crm {' '.join(command)}: two parameters share a name")
        if found.key in routes:
            other = routes[found.key].command
            raise RuntimeError(
                f"crm {' '.join(command)} and crm {' '.join(other)} map to {found.key}"
            )
        routes[found.key] = found
    return sorted(routes.values(), key=_precedence)


def _precedence(route: CommandRoute) -> tuple[int, int, str]:
    segments = route.path.split("/")
    return (sum(s.startswith("{") for s in segments), -len(segments), route.path)
