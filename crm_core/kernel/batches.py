"""Bulk writes as batches: each registered batch watcher (crm_core.hooks.batches) opens its block
around the write. The watchers are those of the unit of work's runtime; a session outside a
unit of work has none, and the database's triggers do the work row by row."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from crm_core.hooks.batches import BATCH_WATCHERS, BatchWatcher
from crm_core.kernel.runtime import RUNTIME_KEY


def _watchers(session: Session) -> list[BatchWatcher]:
    runtime = session.info.get(RUNTIME_KEY)
    if runtime is None:
        return []
    return [found.watcher for found in runtime.registry(BATCH_WATCHERS).values()]


@contextmanager
def _around(
    session: Session, opening: Callable[[BatchWatcher, Connection], AbstractContextManager[None]]
) -> Iterator[None]:
    connection = session.connection()
    with ExitStack() as stack:
        for watcher in _watchers(session):
            stack.enter_context(opening(watcher, connection))
        yield


def rows_inserting(session: Session, table: str) -> AbstractContextManager[None]:
    """Around a bulk INSERT into `table` of rows with ids above its largest."""
    return _around(session, lambda w, c: w.rows_inserting(c, table))


def customers_changing(session: Session, ids: Sequence[int]) -> AbstractContextManager[None]:
    """Around one UPDATE of the customers `ids` (wrap the UPDATE alone)."""
    return _around(session, lambda w, c: w.customers_changing(c, ids))


def customer_rows_inserting(
    session: Session, table: str, customer_ids: Sequence[int]
) -> AbstractContextManager[None]:
    """Around an INSERT into `table` of rows of the customers `customer_ids`."""
    return _around(session, lambda w, c: w.customer_rows_inserting(c, table, customer_ids))


def parents_changing(
    session: Session, table: str, ids: Sequence[int]
) -> AbstractContextManager[None]:
    """Around one UPDATE of the rows `ids` of `table`, which other rows hang from."""
    return _around(session, lambda w, c: w.parents_changing(c, table, ids))
