"""The tables that record which rollups are built and which are paused, the pause keys of the
row triggers, and the stand-ins for NULL in a rollup's unique key."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.foundation.types import UTCDateTime, utcnow
from crm_core.hooks.rollups import CUSTOMER_TABLE, RollupBase


def quiet_mark(key: str) -> str:
    """A comment in a SQLite row trigger's text naming its quiet key `key` (a table's name for
    its inserts, `updates_of(table)` for its updates): bulk writes find the triggers by it and
    drop them for the batch (`batches._quiet`). SQLite keeps a trigger's text as written."""
    return f"/* quiet in bulk writes: {key} */"


#: The pause that `customers_changing` sets for the customer update triggers.
CUSTOMER_UPDATES = f"{CUSTOMER_TABLE}:update"


def updates_of(table: str) -> str:
    """The pause `rows_changing` sets for the update triggers on `table`."""
    return f"{table}:update"


#: Stand-ins for NULL in the unique key, so that one row holds each key, NULLs included.
NULL_INT = "0"
NULL_TEXT = "'\x1f'"


class RollupState(RollupBase):
    """Which derived SQL each installed rollup was built from, and when."""

    __tablename__ = "rollup_state"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    signature: Mapped[str] = mapped_column(String(64))
    #: The time zone its days and months were bucketed in.
    zone: Mapped[str] = mapped_column(String(64))
    built_at: Mapped[Any] = mapped_column(UTCDateTime, default=utcnow)
    #: The table it totals, and (SQLite) the statement that adds the rows with ids
    #: :lo..:hi of that table at once, for bulk inserts (see `bulk_insert`).
    source: Mapped[str] = mapped_column(String(80), default="")
    bulk_insert: Mapped[str | None] = mapped_column(Text)
    #: (SQLite) The statement that takes the customers :ids out of the totals (:sign -1) or
    #: puts them back (:sign 1), around a bulk update of customers (see `customers_changing`).
    bulk_customers: Mapped[str | None] = mapped_column(Text)
    #: (SQLite) Its parent table, and the statement that takes the rows hanging from the
    #: parents :ids out (:sign -1) or back (:sign 1), around a bulk update of parents.
    parent: Mapped[str | None] = mapped_column(String(80))
    bulk_parents: Mapped[str | None] = mapped_column(Text)
    prune: Mapped[str | None] = mapped_column(Text)
