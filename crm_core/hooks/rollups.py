"""What a rollup is, as the core and plugins declare it (`crm_register_rollups`): totals per key
(`Rollup`), each customer's newest row (`Newest`), a rollup's totals per team (`TeamTotals`), a
day rollup folded into months (`MonthlyDays`), and the SQL their expressions are written against
(`Sql`). The rollups feature (crm_core.features.rollups) installs and keeps them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs
from sqlalchemy import Dialect, MetaData, Table, literal_column
from sqlalchemy.orm import DeclarativeBase

from crm_core.foundation import sqltime
from crm_core.foundation.errors import PluginError
from crm_core.foundation.schema import NAMING_CONVENTION
from crm_core.hooks.registry import Collection

#: Every rollup table's name starts with this (migrations leave such tables alone).
PREFIX = "rollup_"
CUSTOMER_TABLE = "crm_customer"


class RollupBase(DeclarativeBase):
    """Rollup tables live outside the migrated schema: `sync` derives them from their specs."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


@attrs.frozen
class Sql:
    """What a key or measure expression is written against: the source row `r`, the customer
    row `c`, the parent row `p` (see `Parent`), and the calendar functions of the database in
    the deployment's time zone."""

    dialect: Dialect
    zone: str
    r: str = "r"
    c: str = "c"
    p: str = "p"

    def local_day(self, moment: str) -> str:
        return self._compile(sqltime.local_day(literal_column(moment), self.zone))

    def local_month(self, moment: str) -> str:
        return self._compile(sqltime.local_month(literal_column(moment), self.zone))

    def date_month(self, day: str) -> str:
        return self._compile(sqltime.date_month(literal_column(day)))

    def _compile(self, expression: Any) -> str:
        compiled = expression.compile(dialect=self.dialect, compile_kwargs={"literal_binds": True})
        return str(compiled)


Expression = Callable[[Sql], str]


@attrs.frozen
class Parent:
    """A second row each source row hangs from besides its customer (an installment's order):
    expressions read it as `Sql.p`. An UPDATE of one of `columns` moves the rows hanging from
    it; deleting it takes them out first (as deleting a customer does)."""

    table: str
    #: The source column that holds the parent's id.
    key: str
    columns: tuple[str, ...]


class _Derived:
    """A derived table's model, and its name."""

    model: type[Any]

    @property
    def table(self) -> Table:
        table = self.model.__table__
        assert isinstance(table, Table)
        return table

    @property
    def name(self) -> str:
        return self.table.name


@attrs.frozen
class Rollup(_Derived):
    """Totals of `measures` over the rows of `source`, per value of `keys`.

    `keys` and `measures` map the rollup's columns to SQL over `Sql.r` (the source row) and
    `Sql.c` (its customer). `owner_id` must be a key: the customer's owner, for visibility. The
    first measure counts rows (1 per row): a key whose count falls to 0 is removed. `where`
    selects the rows counted. A source UPDATE moves a row only when one of `source_columns`
    changes; a customer UPDATE moves its rows only when one of `customer_columns` changes.
    When the source is the customer table itself, `c` is the row. `distinct_customers` names
    a column counting the distinct customers per key. `key` is the source's primary key column
    (`customer_id` for a table of one row per customer, such as a plugin's profile).
    """

    model: type[Any]
    source: str
    keys: Mapping[str, Expression]
    measures: Mapping[str, Expression]
    source_columns: tuple[str, ...]
    customer_columns: tuple[str, ...] = ("owner_id",)
    where: Expression | None = None
    #: A column that counts the distinct customers among each key's rows ("customers
    #: contacted"): kept exact through inserts, deletes, moves and bulk loads.
    distinct_customers: str | None = None
    parent: Parent | None = None
    key: str = "id"

    @property
    def keyed_by_id(self) -> bool:
        """Its source rows are keyed by an `id` that grows with each insert: SQLite's bulk
        inserts add the rows above the previous largest at once (`batches.bulk_insert`)."""
        return self.key == "id"

    @property
    def count_column(self) -> str:
        return next(iter(self.measures))

    @property
    def on_customers(self) -> bool:
        return self.source == CUSTOMER_TABLE

    def validate(self) -> None:
        if not self.name.startswith(PREFIX):
            raise PluginError(f"rollup table {self.name!r} must be named {PREFIX}...")
        if "owner_id" not in self.keys:
            raise PluginError(f"rollup {self.name!r} needs the customer's owner_id as a key")
        if not self.source_columns and not self.on_customers:
            raise PluginError(f"rollup {self.name!r} names no source column to watch")
        if self.distinct_customers and self.on_customers:
            raise PluginError(f"rollup {self.name!r} counts customers: use a measure of 1")
        if self.parent and (self.on_customers or self.distinct_customers):
            raise PluginError(
                f"rollup {self.name!r}: a parent row goes with a source other than customers "
                "and without a distinct-customer count"
            )
        if self.on_customers and not self.keyed_by_id:
            raise PluginError(f"rollup {self.name!r}: customers are keyed by id")
        if self.parent and self.parent.key not in self.source_columns:
            raise PluginError(f"rollup {self.name!r} must watch its parent key in source_columns")
        named = set(self.keys) | set(self.measures) | {self.distinct_customers or "id"}
        missing = named - set(self.table.columns.keys())
        if missing:
            raise PluginError(f"rollup {self.name!r} has no column {', '.join(sorted(missing))}")


@attrs.frozen
class Newest(_Derived):
    """Each customer's newest row of `source`: the latest by `moment`, then by id.

    A "latest state per customer" that sums cannot give (its follow-up date, its last contact):
    the table holds one row per customer that has source rows, with `customer_id` (the key),
    `source_id`, `moment`, the `copies` (table column -> source column) and the
    `customer_copies` (table column -> column of the customer, such as its owner, to filter by
    without a lookup per row), and triggers keep it true through every insert, delete and
    update of the source and every update of the customer, on both databases.
    """

    model: type[Any]
    source: str
    copies: Mapping[str, str]
    moment: str = "occurred_at"
    customer_copies: Mapping[str, str] = attrs.field(factory=dict)

    def validate(self) -> None:
        if not self.name.startswith(PREFIX):
            raise PluginError(f"rollup table {self.name!r} must be named {PREFIX}...")
        named = {"customer_id", "source_id", "moment", *self.copies, *self.customer_copies}
        missing = named - set(self.table.columns.keys())
        if missing:
            raise PluginError(f"rollup {self.name!r} has no column {', '.join(sorted(missing))}")
        if [column.name for column in self.table.primary_key] != ["customer_id"]:
            raise PluginError(f"rollup {self.name!r} must be keyed by customer_id alone")


@attrs.frozen
class TeamTotals(_Derived):
    """The totals of the rollup `of` per team instead of per person: a manager's tiles read a
    row per team where the rollup holds one per person (decision 0025).

    The customer owner's key becomes `owner_team_id`, the owner's team now, with `shared` 1 for
    the shared pool (no owner) and 0 otherwise; each key in `people` (a user id such as the
    order's salesperson) becomes the column it names, holding that person's team; keys in
    `dropped` are summed over. The measures are those of `of` (its first still counts rows), and
    its distinct-customer column too when nothing but the owner changes key: a customer has one
    owner, so the distinct counts of a team's owners add up, but not those of two salespeople.
    Triggers on `of` and on the users' `team_id` keep it true; `TeamScoped` models it.
    """

    model: type[Any]
    of: Rollup
    people: Mapping[str, str] = attrs.field(factory=dict)
    dropped: tuple[str, ...] = ()

    @property
    def source(self) -> str:
        return self.of.name

    @property
    def carried(self) -> dict[str, str]:
        """Each key of `of` kept besides the owner, and its column here (for a key in `people`,
        the column of that person's team)."""
        return {
            name: self.people.get(name, name)
            for name in self.of.keys
            if name != "owner_id" and name not in self.dropped
        }

    @property
    def distinct_customers(self) -> str | None:
        if self.people or self.dropped:
            return None
        return self.of.distinct_customers

    @property
    def count_column(self) -> str:
        return self.of.count_column

    @property
    def totals(self) -> list[str]:
        """The summed columns: the measures of `of`, then its distinct count if carried."""
        extra = [self.distinct_customers] if self.distinct_customers else []
        return [*self.of.measures, *extra]

    def validate(self) -> None:
        if not self.name.startswith(PREFIX):
            raise PluginError(f"rollup table {self.name!r} must be named {PREFIX}...")
        persons = set(self.people) | set(self.dropped)
        if "owner_id" in persons or not persons <= set(self.of.keys):
            raise PluginError(
                f"rollup {self.name!r}: people and dropped must be keys of {self.of.name!r} "
                "other than owner_id"
            )
        _exactly_these_columns(
            self, {"owner_team_id", "shared", *self.carried.values(), *self.totals}, "per team"
        )


@attrs.frozen
class MonthlyDays(_Derived):
    """The day rollup `of` folded into months: per month (`month`, 'YYYY-MM') and every other
    key of `of`, its measures summed, and `days`, a bit per day of the month that has a row of
    `of` (bit 0 the 1st, bit 30 the 31st). Years of "days with one at least" read a row per
    month instead of one per day (decision 0027).

    A row's days are its bits counted; the rows of one month under several keys (a person's
    month with the customers of two owners) have their bits OR-ed first, as two owners' rows
    may name the same day. `of` holds one row per day and key, so the rows folded into one
    row here name distinct days, and their bits add up without carrying. The distinct-customer
    column of `of` is not carried (customers repeat from day to day). The owner stays a key, so
    the model is `OwnerScoped` as the rollup's is; triggers on `of` keep it true.
    """

    model: type[Any]
    of: Rollup
    #: The key of `of` holding the 'YYYY-MM-DD' day.
    day: str = "day"

    @property
    def source(self) -> str:
        return self.of.name

    @property
    def carried(self) -> list[str]:
        """The keys of `of` kept as they are: all but its day."""
        return [name for name in self.of.keys if name != self.day]

    @property
    def count_column(self) -> str:
        return self.of.count_column

    @property
    def totals(self) -> list[str]:
        return [*self.of.measures, "days"]

    def validate(self) -> None:
        if not self.name.startswith(PREFIX):
            raise PluginError(f"rollup table {self.name!r} must be named {PREFIX}...")
        if self.day not in self.of.keys:
            raise PluginError(
                f"rollup {self.name!r}: {self.day!r} is not a key of {self.of.name!r}"
            )
        _exactly_these_columns(self, {"month", *self.carried, *self.totals}, "per month")


def _exactly_these_columns(spec: TeamTotals | MonthlyDays, named: set[str], per: str) -> None:
    """A derived table's model has the columns `named` and no other but its primary key."""
    columns = set(spec.table.columns.keys())
    missing = named - columns
    if missing:
        raise PluginError(f"rollup {spec.name!r} has no column {', '.join(sorted(missing))}")
    unknown = columns - named - {column.name for column in spec.table.primary_key}
    if unknown:
        raise PluginError(
            f"rollup {spec.name!r}: {', '.join(sorted(unknown))} are not keys or totals "
            f"of {spec.of.name!r} {per}"
        )


#: What `crm_register_rollups` accepts.
Spec = Rollup | Newest | TeamTotals | MonthlyDays


def _check(rollup: Spec, found: Mapping[str, Spec]) -> None:
    rollup.validate()
    of = rollup.of if isinstance(rollup, TeamTotals | MonthlyDays) else None
    if of is not None and found.get(of.name) is not of:
        raise PluginError(f"rollup {rollup.name!r}: register {of.name!r} before it")


ROLLUPS: Collection[Spec] = Collection(
    "crm_register_rollups", "rollup", lambda r: r.name, check=_check
)
