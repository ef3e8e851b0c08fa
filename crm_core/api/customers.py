"""Customers through the API: typed inputs in, plain read-only records out."""

from __future__ import annotations

import builtins
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs
from sqlalchemy import select

from crm_core.api.common import (
    KEEP,
    Keep,
    Page,
    check_limit,
    every,
    given,
    page_of,
    read_only,
    texts,
)
from crm_core.foundation.errors import ValidationError
from crm_core.hooks.context import Context
from crm_core.hooks.sections import Section
from crm_core.kernel.models import Customer, User
from crm_core.services import custom_fields, customers, duplicates, sections, transfer
from crm_core.services.transfer import TransferResult

CustomValues = Mapping[str, str | None]


@attrs.frozen
class NewCustomer:
    """A customer to register. `owner` is a login (default: the acting user); `pool` leaves it
    unowned. `custom` holds custom-field values by name or label, as text."""

    name: str
    kind: str = "customer"
    level: str | None = None
    industry: str | None = None
    region: str | None = None
    phone: str | None = None
    address: str | None = None
    notes: str | None = None
    owner: str | None = None
    pool: bool = False
    custom: CustomValues = attrs.field(factory=dict, converter=read_only)

    def values(self) -> dict[str, Any]:
        """The core fields that are set."""
        names = ("name", "kind", "level", "industry", "region", "phone", "address", "notes")
        return {name: value for name in names if (value := getattr(self, name)) is not None}


@attrs.frozen
class CustomerChanges:
    """What to change: a field left at KEEP stays as it is; None clears it."""

    name: str | Keep = KEEP
    kind: str | Keep = KEEP
    level: str | Keep = KEEP
    industry: str | Keep | None = KEEP
    region: str | Keep | None = KEEP
    phone: str | Keep | None = KEEP
    address: str | Keep | None = KEEP
    notes: str | Keep | None = KEEP
    custom: CustomValues = attrs.field(factory=dict, converter=read_only)

    def values(self) -> dict[str, Any]:
        """The core fields to change."""
        found = given(self)
        found.pop("custom")
        return found


@attrs.frozen
class CustomerQuery:
    """Which customers to list; every condition that is set must hold. `where` takes
    custom-field conditions such as "budget>=100000" or "来源渠道=展会"."""

    kind: str | None = None
    level: str | None = None
    industry: str | None = None
    region: str | None = None
    owner: str | None = None
    pool: bool = False
    search: str | None = None
    #: The name, phone or pinyin initials start with this; answered from an index at any size.
    prefix: str | None = None
    where: tuple[str, ...] = attrs.field(default=(), converter=texts)

    def as_filter(self) -> customers.CustomerFilter:
        return customers.CustomerFilter(
            kind=self.kind,
            level=self.level,
            industry=self.industry,
            region=self.region,
            owner_login=self.owner,
            pool=self.pool,
            name_contains=self.search,
            prefix=self.prefix,
            custom=self.where,
        )


@attrs.frozen
class CustomerRecord:
    """A customer as the acting user sees it. `owner` is a login, None for the shared pool;
    `custom` holds the custom-field values by field name, typed (Decimal, date, bool, ...)."""

    id: int
    name: str
    kind: str
    level: str
    industry: str | None
    region: str | None
    phone: str | None
    address: str | None
    notes: str | None
    owner: str | None
    created_at: datetime
    custom: Mapping[str, Any] = attrs.field(factory=dict, converter=read_only)


@attrs.frozen
class CustomerProfile:
    """The 360 view: the customer, and the sections the core and each enabled plugin add."""

    customer: CustomerRecord
    sections: tuple[Section, ...]


class Customers:
    """`desk.customers`: register, read, change, list and hand over customers."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def create(self, new: NewCustomer) -> CustomerRecord:
        """Register a customer; DuplicateError when its name or phone is already registered."""
        customer = customers.create(
            self._ctx, new.values(), owner_login=new.owner, pool=new.pool, custom=new.custom
        )
        return self._record(customer)

    def get(self, ref: int | str) -> CustomerRecord:
        """A customer you may see, by id or exact name; NotFound otherwise."""
        return self._record(customers.get(self._ctx, ref))

    def profile(self, ref: int | str) -> CustomerProfile:
        customer = customers.get(self._ctx, ref)
        found = sections.sections(self._ctx, customer)
        return CustomerProfile(self._record(customer), tuple(found))

    def update(self, ref: int | str, changes: CustomerChanges) -> CustomerRecord:
        """Change a customer; each changed field is audited."""
        values = changes.values()
        if not values and not changes.custom:
            raise ValidationError("nothing to change")
        customer = customers.update(self._ctx, ref, values, custom=changes.custom)
        return self._record(customer)

    def set_level(self, ref: int | str, level: str) -> CustomerRecord:
        return self.update(ref, CustomerChanges(level=level))

    def list(
        self, query: CustomerQuery | None = None, *, after: int = 0, limit: int = 50
    ) -> Page[CustomerRecord]:
        """One page of the customers you may see, in id order after `after`."""
        found = customers.list_page(
            self._ctx,
            (query or CustomerQuery()).as_filter(),
            after_id=after,
            limit=check_limit(limit),
        )
        return page_of(self._records(found), limit, lambda r: r.id)

    def duplicates(
        self, threshold: float = 80.0, limit: int | None = None
    ) -> builtins.list[duplicates.DuplicatePair]:
        """Pairs of customers you may see whose names are nearly the same (0-100 score)."""
        if not 50 <= threshold <= 100:
            raise ValidationError("the threshold is a similarity from 50 to 100")
        return list(itertools.islice(duplicates.scan(self._ctx, threshold), limit))

    def count(self, query: CustomerQuery | None = None) -> customers.VisibleCount:
        """How many customers you may see match: exact up to 10,000, then "10,000+"."""
        return customers.count_visible(self._ctx, (query or CustomerQuery()).as_filter())

    def every(
        self, query: CustomerQuery | None = None, *, page: int = 500
    ) -> Iterator[CustomerRecord]:
        """All matching customers, read a page at a time."""
        return every(lambda after: self.list(query, after=after, limit=page))

    def transfer(
        self,
        refs: Sequence[int | str],
        to: str,
        *,
        reason: str | None = None,
        dry_run: bool = False,
    ) -> TransferResult:
        """Give customers, with what follows them, to the user `to`. All or nothing;
        `dry_run` reports what would move and changes nothing."""
        return transfer.transfer_customers(
            self._ctx, [str(r) for r in refs], to, reason, dry_run=dry_run
        )

    def transfer_all(
        self,
        owner: str,
        to: str,
        *,
        reason: str | None = None,
        dry_run: bool = False,
        deactivate: bool = False,
    ) -> TransferResult:
        """Give everything `owner` holds (a leaver) to `to`: customers, open orders, projects,
        follow-ups, tasks, cases. `deactivate` also deactivates the leaver (admins)."""
        return transfer.transfer_all(
            self._ctx, owner, to, reason, dry_run=dry_run, deactivate=deactivate
        )

    # -- records ---------------------------------------------------------------------------------

    def _record(self, customer: Customer) -> CustomerRecord:
        owner = None
        if customer.owner_id is not None:
            owner = self._ctx.session.scalar(select(User.login).where(User.id == customer.owner_id))
        return self._records([(customer, owner)])[0]

    def _records(self, rows: Iterable[tuple[Customer, str | None]]) -> tuple[CustomerRecord, ...]:
        rows = list(rows)
        custom = custom_fields.values_for(self._ctx, "customers", [c.id for c, _ in rows])
        return tuple(
            CustomerRecord(
                id=c.id,
                name=c.name,
                kind=c.kind,
                level=c.level,
                industry=c.industry,
                region=c.region,
                phone=c.phone,
                address=c.address,
                notes=c.notes,
                owner=owner,
                created_at=c.created_at,
                custom=custom.get(c.id, {}),
            )
            for c, owner in rows
        )
