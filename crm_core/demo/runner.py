"""Runs the demo's commands in-process, prints them with their output, and checks each one."""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

import attrs

from crm_core.kernel.plugins import PluginCatalog

ZONE = ZoneInfo("Asia/Shanghai")


class _Tee(io.TextIOBase):
    """Writes to the real stream and keeps a copy, so a step's output is shown and checked."""

    def __init__(self, stream: TextIO, copy: io.StringIO) -> None:
        self.stream = stream
        self.copy = copy

    def write(self, text: str) -> int:
        self.copy.write(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()


@attrs.define
class DemoRun:
    """One run of the demo: where it writes, what it has run, and what went wrong."""

    db: str
    out: Path
    catalog: PluginCatalog
    today: date = attrs.field(factory=lambda: datetime.now(ZONE).date())
    chapter_number: int = 0
    step_number: int = 0
    failures: list[str] = attrs.field(factory=list)
    files: list[Path] = attrs.field(factory=list)
    #: The step that has not yet said what to look at next.
    unpointed: str | None = None

    def chapter(self, english: str, chinese: str) -> None:
        self.finish()
        self.chapter_number += 1
        self.step_number = 0
        bar = "=" * 78
        print(f"\n{bar}\n{self.chapter_number}. {english}\n   {chinese}\n{bar}", flush=True)

    def step(self, english: str, chinese: str) -> None:
        self.finish()
        self.step_number += 1
        number = f"{self.chapter_number}.{self.step_number}"
        self.unpointed = number
        print(f"\n--- {number} {english}\n    {chinese}", flush=True)

    def look(self, english: str, chinese: str) -> None:
        """What a user would look at next; every step ends with one."""
        self.unpointed = None
        print(f"\n>>> Look next: {english}\n>>> 接下来看：{chinese}", flush=True)

    def finish(self) -> None:
        if self.unpointed is not None:
            self.failures.append(f"step {self.unpointed} does not say what to look at next")
            self.unpointed = None

    def path(self, name: str) -> Path:
        return self.out / name

    def produced(self, path: Path) -> Path:
        """Remember a file the demo leaves for the user; a missing file is a failed step."""
        if not path.exists():
            self.failures.append(f"{path.name} was not written")
        self.files.append(path)
        return path

    def writes(self, name: str, *args: str, as_login: str | None = None) -> Path:
        """Run `crm ARGS DIR/NAME` (the file comes last, after `-o` or as the argument) and check
        that it left the file."""
        path = self.path(name)
        self.crm(*args, str(path), as_login=as_login)
        return self.produced(path)

    def crm(
        self,
        *args: str,
        as_login: str | None = None,
        exit_code: int = 0,
        shows: Iterable[str] = (),
    ) -> str:
        """Run `crm ARGS`; a different exit code, or output missing a text of `shows`, fails."""
        from crm_core.cli.main import run

        prefix = ["--as", as_login] if as_login else []
        shown = " ".join(_quoted(a) for a in [*prefix, *args])
        print(f"\n$ crm {shown}", flush=True)
        copy = io.StringIO()
        with (
            contextlib.redirect_stdout(_Tee(sys.stdout, copy)),
            contextlib.redirect_stderr(_Tee(sys.stderr, copy)),
        ):
            code = run(["--db", self.db, *prefix, *args], catalog=self.catalog)
        sys.stdout.flush()
        output = copy.getvalue()
        where = f"`crm {shown}`"
        if code != exit_code:
            self.failures.append(f"{where} exited {code}, expected {exit_code}")
            print(f"!! exit code {code}, expected {exit_code}", flush=True)
        for text in shows:
            if text not in output:
                self.failures.append(f"{where} did not show {text!r}")
                print(f"!! expected to see {text!r}", flush=True)
        return output

    def installed(self, name: str) -> bool:
        found = self.catalog.installed.get(name)
        return found is not None and found.ok


def _quoted(arg: str) -> str:
    return repr(arg) if not arg or any(c in arg for c in " '\"{}") else arg
