"""Running one route's command for one request: its values become the command's arguments, the
command runs in-process as the signed-in user, and what it printed, wrote and changed becomes
the answer."""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import click

from crm_core.cli.bounds import unreadable
from crm_core.foundation.errors import CrmError, ValidationError
from crm_core.hooks.actor import Actor
from crm_core.kernel import audit_trail
from crm_core.kernel.deployment import Deployment
from crm_core.server import capture
from crm_core.server.command_routes import CommandRoute, Param
from crm_core.server.served_app import ServedApp

#: A folder upload (worksheets collect) is a zip: at most this many files and bytes inside.
ZIP_MOST_FILES = 2_000
ZIP_MOST_BYTES = 200 * 1024 * 1024


class BadRequest(ValidationError):
    """The request's parameters do not fit the route (an unknown name, a wrong shape)."""


@attrs.frozen
class Upload:
    filename: str
    path: Path


@attrs.frozen
class Outcome:
    """What a command answered: its JSON (or message), the files it wrote, what it changed."""

    code: int
    data: Any
    files: Mapping[str, Path]
    changed: Sequence[tuple[str, str, str]]
    scratch: Path

    def cleanup(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)


def _text(value: Any, param: Param) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise BadRequest(f"{param.name}: give a single value, not {type(value).__name__}")


def _truth(value: Any, param: Param) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "1", "yes", "on"}:
        return True
    if isinstance(value, str) and value.lower() in {"false", "0", "no", "off", ""}:
        return False
    raise BadRequest(f"{param.name}: true or false, not {value!r}")


def _safe_name(filename: str, fallback: str) -> str:
    """A file name of the client's, without folders, that the command may use (its suffix picks
    the format)."""
    name = Path(filename.replace("\\", "/")).name.strip().lstrip(".")
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*')
    return name[:120] or fallback


def arguments(
    route: CommandRoute,
    values: Mapping[str, Any],
    uploads: Mapping[str, Upload],
    scratch: Path,
) -> tuple[list[str], dict[str, Path]]:
    """The command line for `values` (path, query or body), and the output paths it names."""
    known = {p.name for p in (*route.in_path, *route.params)}
    unknown = sorted(set(values) - known) + sorted(set(uploads) - known)
    if unknown:
        raise BadRequest(f"unknown parameter {unknown[0]!r} for {route.method} {route.path}")
    options: list[str] = []
    positional: list[str] = []
    outputs: dict[str, Path] = {}
    for param in (*route.in_path, *route.params):
        value = values.get(param.name)
        if param.file == "upload":
            value = _uploaded(param, uploads.get(param.name), value, scratch)
        elif param.file == "output":
            if value is None and param.click_name == "error_file" and uploads:
                # An import's rejected rows: kept as a download its answer links to.
                first = next(iter(uploads.values())).path
                value = f"{first.stem}.errors{first.suffix}"
            if value is None and not param.required:
                continue
            name = _safe_name(str(value or ""), param.name)
            target = scratch / "out" / name
            target.parent.mkdir(exist_ok=True)
            outputs[param.name] = target
            value = str(target)
        if value is None:
            if param.required and param.argument:
                raise BadRequest(f"missing parameter {param.name!r}")
            continue
        items = list(value) if isinstance(value, list | tuple) else [value]
        if len(items) > 1 and not param.multiple:
            raise BadRequest(f"{param.name}: one value, not {len(items)}")
        if param.argument:
            positional.extend(_text(item, param) for item in items)
        elif param.is_flag:
            on = _truth(items[-1], param)
            if param.off_flag is not None:
                options.append(param.flag if on else param.off_flag)  # type: ignore[arg-type]
            elif on:
                options.append(param.flag)  # type: ignore[arg-type]
        else:
            options.extend(f"{param.flag}={_text(item, param)}" for item in items)
    args = [*route.command, *options]
    suffixes = [path.suffix.lstrip(".").lower() for path in outputs.values()]
    chosen = next((s for s in suffixes if s in route.formats), None)
    if chosen is not None:
        args.append(f"--format={chosen}")
    elif route.json_output:
        args.append("--format=json")
    return [*args, "--", *positional], outputs


def _uploaded(param: Param, upload: Upload | None, value: Any, scratch: Path) -> str | None:
    if value is not None:
        raise BadRequest(f"{param.name}: send the file as a multipart upload, not a value")
    if upload is None:
        return None
    if not param.folder:
        return str(upload.path)
    folder = scratch / "in" / param.name
    folder.mkdir(parents=True)
    _unzip(upload.path, folder)
    return str(folder)


def _unzip(path: Path, folder: Path) -> None:
    """A folder sent as a zip, refused before writing when it is not one, holds too much, or
    names paths outside the folder."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ValidationError("a folder is uploaded as a .zip file; this is not one") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > ZIP_MOST_FILES:
            raise ValidationError(f"the zip holds more than {ZIP_MOST_FILES} files")
        if sum(m.file_size for m in members) > ZIP_MOST_BYTES:
            raise ValidationError("the zip unpacks to more than 200 MB")
        for member in members:
            name = Path(member.filename.replace("\\", "/"))
            if name.is_absolute() or ".." in name.parts:
                raise ValidationError(f"the zip names a path outside its folder: {member.filename}")
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            with archive.open(member) as source, target.open("wb") as sink:
                while chunk := source.read(1 << 16):
                    written += len(chunk)
                    if written > member.file_size:  # a header that lies about the size
                        raise ValidationError("the zip's sizes do not match its contents")
                    sink.write(chunk)


def run(
    deployment: Deployment,
    cli: click.Group,
    route: CommandRoute,
    values: Mapping[str, Any],
    uploads: Mapping[str, Upload],
    scratch: Path,
    *,
    actor: Actor,
    language: str,
    read_only: str | None,
) -> Outcome:
    """Run the route's command in `cli`, the command tree of the route's snapshot (built once
    per snapshot, shared by the requests); CrmError (or click's errors) when it refuses."""
    args, outputs = arguments(route, values, uploads, scratch)
    problem = unreadable(args)
    if problem is not None:
        raise BadRequest(problem)
    app = ServedApp(deployment, actor, language, read_only=read_only)
    try:
        with capture.capturing() as printed, audit_trail.watching() as changed:
            code = cli.main(args=args, prog_name="crm", standalone_mode=False, obj=app)
    finally:
        app.close()
    code = code if isinstance(code, int) else 0
    text = printed.out.getvalue()
    if code not in (0, 3):  # 3: an import went in with some rows rejected
        lines = [line for line in printed.err.getvalue().splitlines() if line.strip()]
        raise CrmError(lines[-1].removeprefix("error: ") if lines else f"exit {code}")
    data: Any
    if route.json_output and text.strip():
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = {"message": text.strip()}
    else:
        data = {"message": text.strip()} if text.strip() else None
    files = {name: _sent(path) for name, path in outputs.items() if path.exists()}
    return Outcome(code, data, files, list(changed), scratch)


def _sent(path: Path) -> Path:
    """A written file as it is sent: a folder as a zip of it."""
    if not path.is_dir():
        return path
    archive = path.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for item in sorted(path.rglob("*")):
            if item.is_file():
                out.write(item, item.relative_to(path).as_posix())
    return archive


def scratch_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="crm-request-"))
