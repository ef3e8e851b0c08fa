"""What a command prints, captured per request: `sys.stdout` and `sys.stderr` become switches
that write to the buffers of the request running in this context (a ContextVar, which the
thread pool copies into each request's thread), and to the real streams otherwise."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TextIO

import attrs


@attrs.define
class Captured:
    out: io.StringIO = attrs.field(factory=io.StringIO)
    err: io.StringIO = attrs.field(factory=io.StringIO)


_current: ContextVar[Captured | None] = ContextVar("crm_captured", default=None)


class _Switch(io.TextIOBase):
    """A text stream that writes to the running request's buffer, else to `real`."""

    def __init__(self, real: TextIO, which: str) -> None:
        self._real = real
        self._which = which

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    @property
    def errors(self) -> str:  # type: ignore[override]
        return "strict"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return _current.get() is None and self._real.isatty()

    def write(self, text: str) -> int:
        found = _current.get()
        target = getattr(found, self._which) if found is not None else self._real
        return target.write(text)

    def flush(self) -> None:
        if _current.get() is None:
            self._real.flush()

    def fileno(self) -> int:
        return self._real.fileno()


def install() -> None:
    """Make sys.stdout and sys.stderr switches (once per process)."""
    if not isinstance(sys.stdout, _Switch):
        sys.stdout = _Switch(sys.stdout, "out")
    if not isinstance(sys.stderr, _Switch):
        sys.stderr = _Switch(sys.stderr, "err")


@contextmanager
def capturing() -> Iterator[Captured]:
    install()  # again: whoever replaced sys.stdout since (a test runner) is wrapped too
    found = Captured()
    token = _current.set(found)
    try:
        yield found
    finally:
        _current.reset(token)
