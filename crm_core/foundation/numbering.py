"""Document numbers: a prefix per day and a serial, such as "SO20261204-0001", each the one
after the highest issued with that prefix.

The highest is read through the number column's unique index as a range (`starts_with`), so the
column must compare by code point (`crm_core.kernel.models.key_text`): under another collation
`LIKE 'SO20261204-%'` uses no index on PostgreSQL and walks a million orders for every new one. Serials past 9999
are longer, not greater as text ("-10000" < "-9999"), so the highest is the longest first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_core.foundation.prefix_match import starts_with


def next_number(session: Session, column: Any, prefix: str, *, digits: int = 4) -> str:
    """`prefix` and the serial after the highest `column` holds with it (1 for the first), of
    at least `digits` digits. Read from the table itself (a Core column), not through the
    visibility policy: numbers are unique across the deployment, whoever may see the rows."""
    last = session.scalar(
        select(column)
        .where(starts_with(column, prefix))
        .order_by(func.length(column).desc(), column.desc())
        .limit(1)
    )
    serial = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{serial:0{digits}d}"
