"""What every command's arguments must hold before a command sees them: text that is UTF-8
without NUL characters, whole numbers within 64 bits, days within years 1900 to 2999. Applied to
every command, the core's and the plugins', when it is resolved, so no command has to remember."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import click

#: A whole number's bounds: what a database column of 64 bits holds.
SMALLEST, LARGEST = -(2**63), 2**63 - 1
#: The days a person may name: older or later ones are typing mistakes, and date arithmetic
#: on them leaves the calendar.
FIRST_YEAR, LAST_YEAR = 1900, 2999


class BoundedDay(click.DateTime):
    """click.DateTime within FIRST_YEAR..LAST_YEAR."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        day = super().convert(value, param, ctx)
        if isinstance(day, datetime) and not FIRST_YEAR <= day.year <= LAST_YEAR:
            self.fail(f"{value!r} is not a day between {FIRST_YEAR} and {LAST_YEAR}", param, ctx)
        return day


def _bounded(kind: Any) -> Any:
    if isinstance(kind, click.IntRange):
        low = SMALLEST if kind.min is None else max(int(kind.min), SMALLEST)
        high = LARGEST if kind.max is None else min(int(kind.max), LARGEST)
        return click.IntRange(low, high, min_open=kind.min_open, max_open=kind.max_open)
    if isinstance(kind, click.types.IntParamType):
        return click.IntRange(SMALLEST, LARGEST)
    if isinstance(kind, click.DateTime) and not isinstance(kind, BoundedDay):
        return BoundedDay(kind.formats)
    return kind


def bound(command: click.Command) -> click.Command:
    """`command` (and, for a group, its subcommands) with bounded numbers and days."""
    if getattr(command, "_crm_bounded", False):
        return command
    for param in command.params:
        param.type = _bounded(param.type)
    command._crm_bounded = True  # type: ignore[attr-defined]
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            bound(sub)
    return command


def unreadable(args: Sequence[str]) -> str | None:
    """Why an argument cannot be taken as text, or None: a NUL character, or bytes that were not
    UTF-8 (Python passes them on as lone surrogates)."""
    for number, arg in enumerate(args, 1):
        if "\x00" in arg:
            return f"argument {number} contains a NUL character"
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            return f"argument {number} is not valid UTF-8 text"
    return None
