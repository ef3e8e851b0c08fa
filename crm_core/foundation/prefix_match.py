"""`starts_with(column, prefix)`: a prefix condition that an index on the column answers as a
range scan, with a row estimate the planner can trust.

The condition is `col >= 'abc' AND col < 'abd'`: the prefix, and the smallest string above
everything that starts with it. It is right when the column compares by code point: SQLite's
BINARY collation does, and on PostgreSQL the key columns have the C collation
(`crm_core.kernel.models.customers.key_text`, migration 0005).

Not `LIKE 'abc%'`: SQLite uses an index for it only with a NOCASE index or
`case_sensitive_like`, and PostgreSQL estimates it at about 1% of the table whatever the prefix,
so it walks the primary key past a million rows for a prefix that matches a thousand. Not an
upper bound of 'abc' + U+10FFFF either: that too gets a default guess instead of the histogram.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_
from sqlalchemy.sql.elements import ColumnElement

_LAST = 0x10FFFF
_SURROGATES = range(0xD800, 0xE000)


def successor(prefix: str) -> str | None:
    """The smallest string greater than every string that starts with `prefix` (None: there is
    none, the prefix is all U+10FFFF)."""
    text = prefix
    while text:
        code = ord(text[-1]) + 1
        if code in _SURROGATES:
            code = _SURROGATES.stop
        if code <= _LAST:
            return text[:-1] + chr(code)
        text = text[:-1]
    return None


def starts_with(column: Any, prefix: str) -> ColumnElement[bool]:
    """`column` starts with `prefix`, as a range an index on the column can answer."""
    above = successor(prefix)
    if above is None:
        return column >= prefix  # type: ignore[no-any-return]
    return and_(column >= prefix, column < above)
