"""Sets of days as bits in SQL, on SQLite and PostgreSQL: the OR of a group's sets and the number
of days in a set (the day sets of `MonthlyDays` rollups, decision 0027; bit 0 is the 1st).

PostgreSQL has the OR aggregate (`bit_or`) but counts bits only in bit strings; SQLite has
neither, so each SQLite connection gets both as functions (`install_sqlite`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, String, cast, func
from sqlalchemy.dialects.postgresql import BIT
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

_SQLITE_OR = "crm_bit_or"
_SQLITE_COUNT = "crm_count_bits"


class any_bits(FunctionElement[int]):
    """Aggregate: the OR of a group's bit sets (the days any of its rows has)."""

    type = Integer()
    inherit_cache = True


@compiles(any_bits, "postgresql")
def _pg_any_bits(element: any_bits, compiler: Any, **kw: Any) -> str:
    return f"bit_or({compiler.process(element.clauses, **kw)})"


@compiles(any_bits, "sqlite")
def _sqlite_any_bits(element: any_bits, compiler: Any, **kw: Any) -> str:
    return f"{_SQLITE_OR}({compiler.process(element.clauses, **kw)})"


class count_bits(FunctionElement[int]):
    """The number of 1 bits in a set of up to 31 (the days in it)."""

    type = Integer()
    inherit_cache = True


@compiles(count_bits, "postgresql")
def _pg_count_bits(element: count_bits, compiler: Any, **kw: Any) -> str:
    # bit_count() takes bit strings from PostgreSQL 14 on: the set as 32 bits of text instead.
    as_text = cast(cast(element.clauses.clauses[0], BIT(32)), String)
    return compiler.process(func.length(func.replace(as_text, "0", "")), **kw)  # type: ignore[no-any-return]


@compiles(count_bits, "sqlite")
def _sqlite_count_bits(element: count_bits, compiler: Any, **kw: Any) -> str:
    return f"{_SQLITE_COUNT}({compiler.process(element.clauses, **kw)})"


class _BitOr:
    """SQLite aggregate: the OR of its arguments (NULL ignored, 0 for none)."""

    def __init__(self) -> None:
        self.bits = 0

    def step(self, value: int | None) -> None:
        if value is not None:
            self.bits |= value

    def finalize(self) -> int:
        return self.bits


def _count(value: int | None) -> int | None:
    return None if value is None else int(value).bit_count()


def install_sqlite(dbapi_connection: Any) -> None:
    """Give a new SQLite connection the functions `any_bits` and `count_bits` compile to."""
    dbapi_connection.create_aggregate(_SQLITE_OR, 1, _BitOr)
    dbapi_connection.create_function(_SQLITE_COUNT, 1, _count, deterministic=True)
