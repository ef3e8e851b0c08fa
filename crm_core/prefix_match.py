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

from sqlalchemy import Boolean, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement

#: The highest code point: every string that starts with the prefix sorts below prefix + this.
_TOP = "\U0010ffff"


class StartsWith(ColumnElement[bool]):
    """`column` starts with `prefix` (compiled per dialect, below)."""

    type = Boolean()
    inherit_cache = False  # compiled per statement: the bound values live outside the cache key

    def __init__(self, column: Any, prefix: str) -> None:
        self.column = column
        self.low = literal(prefix)
        self.high = literal(prefix + _TOP)


def starts_with(column: Any, prefix: str) -> StartsWith:
    return StartsWith(column, prefix)


@compiles(StartsWith)
def _compile_binary(element: StartsWith, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    low, high = compiler.process(element.low, **kw), compiler.process(element.high, **kw)
    return f"({column} >= {low} AND {column} < {high})"


@compiles(StartsWith, "postgresql")
def _compile_postgresql(element: StartsWith, compiler: SQLCompiler, **kw: Any) -> str:
    column = f'{compiler.process(element.column, **kw)} COLLATE "C"'
    low, high = compiler.process(element.low, **kw), compiler.process(element.high, **kw)
    return f"({column} >= {low} AND {column} < {high})"
