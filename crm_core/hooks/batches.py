"""A batch watcher: code that must see a bulk write as one batch rather than row by row.

The rollups feature is one: on SQLite its row triggers would cost a call per row, so around a
bulk insert or one UPDATE of many rows it takes the rows out of its totals in one statement and
back in another. The kernel's bulk paths (`crm_core.kernel.batches`) open each watcher's block
around the write; a watcher that has nothing to do yields at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Protocol

import attrs
from sqlalchemy import Connection

from crm_core.hooks.registry import Collection


class BatchWatcher(Protocol):
    """Context managers around bulk writes, all in the writer's transaction."""

    def rows_inserting(self, connection: Connection, table: str) -> AbstractContextManager[None]:
        """Around a bulk INSERT into `table` of rows with ids above its largest."""
        ...

    def customers_changing(
        self, connection: Connection, ids: Sequence[int]
    ) -> AbstractContextManager[None]:
        """Around one UPDATE of the customers `ids`."""
        ...

    def customer_rows_inserting(
        self, connection: Connection, table: str, customer_ids: Sequence[int]
    ) -> AbstractContextManager[None]:
        """Around an INSERT into `table` of rows of the customers `customer_ids` (a table keyed
        by its customer, whose new rows are not the ids above the largest)."""
        ...

    def parents_changing(
        self, connection: Connection, table: str, ids: Sequence[int]
    ) -> AbstractContextManager[None]:
        """Around one UPDATE of the rows `ids` of `table`, which other rows hang from."""
        ...


@attrs.frozen
class Watcher:
    """A named batch watcher, as `crm_register_batch_watchers` takes it."""

    name: str
    watcher: BatchWatcher


BATCH_WATCHERS: Collection[Watcher] = Collection(
    "crm_register_batch_watchers", "batch watcher", lambda w: w.name
)
