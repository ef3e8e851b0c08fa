"""SQL expressions for calendar buckets in the deployment's time zone, on SQLite and PostgreSQL.

Reports group by day or month in SQL. PostgreSQL converts with `AT TIME ZONE`; SQLite has no
zone database, so the zone's current UTC offset is applied (exact for zones without daylight
saving time, such as China's).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Float, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


class _LocalBucket(FunctionElement[str]):
    """`moment` (UTC) as local text truncated to a bucket: 'YYYY-MM-DD' or 'YYYY-MM'."""

    type = String()
    inherit_cache = True

    def __init__(self, moment: Any, zone: str, pattern: str) -> None:
        self.zone = zone
        self.pattern = pattern
        super().__init__(moment)


class local_day(_LocalBucket):
    inherit_cache = True

    def __init__(self, moment: Any, zone: str) -> None:
        super().__init__(moment, zone, "day")


class local_month(_LocalBucket):
    inherit_cache = True

    def __init__(self, moment: Any, zone: str) -> None:
        super().__init__(moment, zone, "month")


_PG_FORMAT = {"day": "YYYY-MM-DD", "month": "YYYY-MM"}
_SQLITE_FORMAT = {"day": "%Y-%m-%d", "month": "%Y-%m"}


def _offset_minutes(zone: str) -> int:
    offset = datetime.now(ZoneInfo(zone)).utcoffset()
    return int(offset.total_seconds() // 60) if offset else 0


@compiles(_LocalBucket, "postgresql")
def _pg(element: _LocalBucket, compiler: Any, **kw: Any) -> str:
    (moment,) = element.clauses
    zone = element.zone.replace("'", "")
    return (
        f"to_char(({compiler.process(moment, **kw)}) AT TIME ZONE '{zone}', "
        f"'{_PG_FORMAT[element.pattern]}')"
    )


@compiles(_LocalBucket, "sqlite")
def _sqlite(element: _LocalBucket, compiler: Any, **kw: Any) -> str:
    (moment,) = element.clauses
    minutes = _offset_minutes(element.zone)
    return (
        f"strftime('{_SQLITE_FORMAT[element.pattern]}', {compiler.process(moment, **kw)}, "
        f"'{minutes:+d} minutes')"
    )


class date_month(FunctionElement[str]):
    """A DATE column's month as 'YYYY-MM' (no zone: a date is already local)."""

    type = String()
    inherit_cache = True


@compiles(date_month, "postgresql")
def _pg_date_month(element: date_month, compiler: Any, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


@compiles(date_month, "sqlite")
def _sqlite_date_month(element: date_month, compiler: Any, **kw: Any) -> str:
    # SQLAlchemy stores a DATE as 'YYYY-MM-DD' text on SQLite: the month is its first seven
    # characters, which costs far less per row than strftime's date parsing.
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 7)"


class elapsed_days(FunctionElement[float]):
    """Days (fractional) from the first timestamp to the second, on SQLite and PostgreSQL."""

    type = Float()
    inherit_cache = True


@compiles(elapsed_days, "postgresql")
def _pg_elapsed(element: elapsed_days, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    return f"(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - {compiler.process(start, **kw)})) / 86400.0)"


@compiles(elapsed_days, "sqlite")
def _sqlite_elapsed(element: elapsed_days, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    return (
        f"(julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)}))"
    )
