"""Cell values: text for the importer, and the guard that keeps user data from running as a formula.

A spreadsheet runs a cell as a formula when its text starts with =, +, - or @ (and some programs
also after a leading tab, carriage return or line feed, or with the full-width ＝＋－＠). In a
.csv the only defence is to prefix such text with an apostrophe, which Excel hides and treats as
"this is text". Numbers and phone numbers (digits, spaces, dashes, brackets, dots) cannot call
anything, so "-1" and "+86 138 0013 8000" are left exactly as they are.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

_TRIGGERS = frozenset("=+-@\t\r\n＝＋－＠")
_HARMLESS = re.compile(r"[+\-]?[0-9 ().,/\-]*\Z")
#: Characters an .xlsx file cannot hold (XML 1.0 forbids them); they are dropped on export.
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
QUOTE = "'"


def is_risky(text: str) -> bool:
    """True when a spreadsheet could take this text for a formula."""
    return bool(text) and text[0] in _TRIGGERS and not _HARMLESS.match(text)


def neutralise(text: str) -> str:
    """Text safe to put in a .csv cell: risky text gets a leading apostrophe; NULs are dropped."""
    text = text.replace("\x00", "")
    return QUOTE + text if is_risky(text) else text


def restore(text: str) -> str:
    """Undo `neutralise` when reading a cell back (so an export re-imports unchanged)."""
    if text.startswith(QUOTE) and is_risky(text[1:]):
        return text[1:]
    return text


def cell_text(value: Any) -> str:
    """Any cell value as stripped text, the way a person reading the sheet would type it."""
    if type(value) is str:
        text = value.strip()
        return restore(text) if text[:1] == QUOTE else text
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))  # phone numbers and codes typed as numbers
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return restore(str(value).strip())


def text_cells(cells: list[str]) -> list[str]:
    """`cell_text` of a row whose cells are all text already (a .csv row), in one pass."""
    return [restore(text) if text[:1] == QUOTE else text for text in map(str.strip, cells)]
