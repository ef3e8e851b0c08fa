"""Helping the query planners: what we know about the data that SQLite's planner cannot (hints
for the few queries whose best plan depends on it), and a list of people named to PostgreSQL in
one parameter (see docs/decisions/0007 and 0018)."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    any_,
    bindparam,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.sql.sqltypes import NullType

from crm_core.foundation import transaction_cache
from crm_core.foundation.schema import table_of
from crm_core.kernel.models.customers import Customer

_customers = table_of(Customer)
T = TypeVar("T")
#: Keeps IN (...) lists well under every database's parameter limit.
BATCH = 500
#: From this many whole numbers SQLite gets them written into the statement instead of one
#: parameter each: expanding and binding 2,000 parameters costs about 1.5 ms per statement.
INLINE_IDS_FROM = 100


class not_index_driving(FunctionElement[Any]):
    """`+column` on SQLite: the planner may not drive the query from this column's index.

    Visibility is an OR of owner tests; SQLite answers it with a multi-index OR over the owner
    index and then sorts every visible row, so a 50-row keyset page costs as much as the user can
    see. Walking the primary key in order and filtering is the right plan for pages, exports and
    counts alike (see docs/decisions/0007-visibility-and-sqlite-planner.md). Other databases get
    the plain column and plan for themselves.
    """

    inherit_cache = True


@compiles(not_index_driving)
def _plain(element: not_index_driving, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(not_index_driving, "sqlite")
def _unary_plus(element: not_index_driving, compiler: Any, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"


def among(session: Session, column: Any, ids: Sequence[Any]) -> ColumnElement[bool]:
    """`column IN ids`, without a parameter per value: on PostgreSQL `column = ANY(:ids)`, an
    array (a manager's team of 2,000 people otherwise costs the server about 15 ms to parse and
    plan each query that names them, and psycopg as long to write it; an import's duplicate
    lookups name 2,000 keys at a time). On SQLite, from `INLINE_IDS_FROM` whole numbers, the
    numbers are written into the statement (nothing to escape): the planner still sees a list
    of that length. A `json_each(:ids)` subquery would hide the length, and SQLite would then
    drive a 2,000-person team's reminders from the owner index, row by row."""
    test: ColumnElement[bool]
    dialect = session.get_bind().dialect.name
    if ids and dialect == "postgresql" and _whole_numbers(ids):
        test = column == any_(_id_array(ids, column.type))
    elif ids and dialect == "postgresql":
        test = column == any_(bindparam(None, list(ids), type_=ARRAY(column.type)))
    elif dialect == "sqlite" and len(ids) >= INLINE_IDS_FROM and _whole_numbers(ids):
        test = column.op("IN", is_comparison=True)(literal_column(f"({','.join(map(str, ids))})"))
    else:
        test = column.in_(ids)
    return test


def _id_array(ids: Sequence[int], item_type: Any) -> Any:
    """PostgreSQL: whole numbers as one array parameter, written as the array's text and cast
    by the server (psycopg writes a list element by element in Python, and a top manager's
    reminders name 2,000 people in every statement).

    The parameter goes untyped, so the server reads it as the array itself: a constant, which
    PostgreSQL hashes once per statement. Sent as text and then cast (`$1::VARCHAR::INTEGER[]`,
    SQLAlchemy's default for a string), the cast is not folded (reading an array is not
    immutable) and would run again for every row the test filters: 2,000 numbers parsed per
    row."""
    listed = bindparam(None, _array_text(tuple(ids)), type_=NullType())
    return cast(listed, ARRAY(item_type))


@functools.lru_cache(maxsize=16)
def _array_text(ids: tuple[int, ...]) -> str:
    """The array's text, written once for a team that several statements name in a row (a
    manager's reminders: 2,000 numbers, 0.3 ms each time)."""
    return "{" + ",".join(map(str, ids)) + "}"


def without_parallel_workers(session: Session) -> None:
    """For the rest of this transaction, PostgreSQL plans without parallel workers: a dashboard
    runs its small index-driven reads two or more at a time already, and starting workers for
    one of them costs more than the read itself. No-op elsewhere."""
    _set_local(session, "max_parallel_workers_per_gather", "0")


def parallel_for_large_results(session: Session) -> None:
    """For the rest of this transaction, PostgreSQL counts a row passed on by a parallel worker
    at a tenth of its default cost: a report asked for on its own may group a million rows into
    400,000, which the default prices out of a parallel plan although two workers group it
    faster. No-op elsewhere."""
    _set_local(session, "parallel_tuple_cost", "0.01")


def _set_local(session: Session, name: str, value: str) -> None:
    """`SET LOCAL name = value` on PostgreSQL, once per transaction however often it is asked
    for (a dashboard's unit and the reminders it collects both ask); forgotten, as the setting
    itself is, when the transaction ends or a savepoint is rolled back."""
    if session.get_bind().dialect.name != "postgresql":
        return
    connection = session.connection()

    def apply() -> str:
        connection.exec_driver_sql(f"SET LOCAL {name} = {value}")
        return value

    transaction_cache.remembered(connection, "pg_settings", name, apply)


def _whole_numbers(values: Sequence[Any]) -> bool:
    return set(map(type, values)) <= {int}  # not bool, not a str subclass


def id_batches(session: Session, ids: Sequence[T]) -> Iterator[Sequence[T]]:
    """`ids` in as few lists as one statement may name with `among`: all at once on PostgreSQL
    (one array parameter; each statement also fires every rollup's statement trigger once),
    `BATCH` at a time on SQLite (its limit on parameters)."""
    if session.get_bind().dialect.name == "postgresql":
        if ids:
            yield ids
        return
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def owned_by(
    session: Session, owner: Any, owner_ids: Sequence[int], limit: int | None
) -> ColumnElement[bool]:
    """`owner IN owner_ids`, for a list of the `limit` earliest-due items of these people's
    customers (unpaid installments, open projects) that walks an index on the due day.

    Two plans answer it: read every item of each of their customers and sort (cost: their
    customers), or walk everyone's items in due order and keep theirs until `limit` are found
    (cost: about `limit` x all customers / theirs). SQLite takes the first for any short IN
    list; for a team of twenty at a million customers (13,000 of them) it is three times slower
    than the walk. The two cost the same when their customers number sqrt(limit x all): below
    that the owner index drives, above it the owner test is made not to (SQLite only).
    """
    plain = among(session, owner, owner_ids)
    if limit is None or session.get_bind().dialect.name != "sqlite":
        return plain
    crossover = math.isqrt(limit * _all_customers(session))
    if _customers_of(session, owner_ids, crossover) <= crossover:
        return plain
    walk: ColumnElement[bool] = among(session, not_index_driving(owner), owner_ids)
    return walk


def _all_customers(session: Session) -> int:
    """The largest customer id, as the number of customers (ids are dense enough for a plan
    choice); read once per transaction."""

    def read() -> int:
        return session.scalar(select(func.max(_customers.c.id))) or 0

    return transaction_cache.remembered(session.connection(), "crm_customer", "all", read)


def _customers_of(session: Session, owner_ids: Sequence[int], stop: int) -> int:
    """How many customers `owner_ids` hold, counted no further than `stop + 1`; remembered for
    the transaction (a team's reminders ask it for several lists)."""

    def read() -> int:
        counted = session.scalar(
            select(func.count()).select_from(
                select(_customers.c.id)
                .where(among(session, _customers.c.owner_id, owner_ids))
                .limit(stop + 1)
                .subquery()
            )
        )
        return counted or 0

    key = ("owned", tuple(owner_ids), stop)
    return transaction_cache.remembered(session.connection(), "crm_customer", key, read)
