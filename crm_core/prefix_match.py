"""`starts_with(column, prefix)`: a prefix condition that an ordinary index on the column answers
as a range scan, on SQLite and on PostgreSQL whatever the database's collation.

`LIKE 'x%'` uses an index only under conditions that differ per database (SQLite: a NOCASE index
or `case_sensitive_like`; PostgreSQL: `text_pattern_ops` or the C collation). A range
`col >= 'x' AND col < 'x' || U+10FFFF` does, as long as it compares code points: SQLite's BINARY
collation does; on PostgreSQL the column is compared `COLLATE "C"`, and migration 0005 adds the
matching expression indexes (`ix_crm_customer_name_key_c`, `ix_crm_customer_phone_key_c`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, and_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement

#: The highest code point: every string that starts with the prefix sorts below prefix + this.
_TOP = "\U0010ffff"


class InCodePointOrder(ColumnElement[str]):
    """A text column compared by code point: as it is on SQLite, `COLLATE "C"` on PostgreSQL."""

    type = String()
    inherit_cache = False  # the wrapped column is not part of a cache key

    def __init__(self, column: Any) -> None:
        self.column = column


@compiles(InCodePointOrder)
def _compile_plain(element: InCodePointOrder, compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(element.column, **kw))


@compiles(InCodePointOrder, "postgresql")
def _compile_postgresql(element: InCodePointOrder, compiler: SQLCompiler, **kw: Any) -> str:
    return f'{compiler.process(element.column, **kw)} COLLATE "C"'


def starts_with(column: Any, prefix: str) -> ColumnElement[bool]:
    """`column` starts with `prefix`, as a range an index on the column can answer."""
    ordered = InCodePointOrder(column)
    return and_(ordered >= prefix, ordered < prefix + _TOP)
