"""Contacts (the people at customers) through the API."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from crm_core.api.common import KEEP, Keep, Page, check_limit, given, page_of, read_only
from crm_core.hooks.context import Context
from crm_core.kernel.models import Contact, Customer
from crm_core.services import contacts, custom_fields
from crm_core.services.trash import Discarded


@attrs.frozen
class NewContact:
    """A person at `customer` (its id or exact name)."""

    customer: int | str
    name: str
    title: str | None = None
    phone: str | None = None
    email: str | None = None
    notes: str | None = None
    custom: Mapping[str, str | None] = attrs.field(factory=dict, converter=read_only)


@attrs.frozen
class ContactRecord:
    id: int
    customer_id: int
    customer: str
    name: str
    title: str | None
    phone: str | None
    email: str | None
    notes: str | None
    created_at: datetime
    custom: Mapping[str, Any] = attrs.field(factory=dict, converter=read_only)


@attrs.frozen
class ContactChanges:
    """Fields left at KEEP are not changed (None clears one)."""

    name: str | Keep = KEEP
    title: str | Keep | None = KEEP
    phone: str | Keep | None = KEEP
    email: str | Keep | None = KEEP
    notes: str | Keep | None = KEEP


class Contacts:
    """`desk.contacts`: add, list, correct and delete contacts of the customers you may see."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def add(self, new: NewContact) -> ContactRecord:
        contact = contacts.add(
            self._ctx,
            str(new.customer),
            new.name,
            title=new.title,
            phone=new.phone,
            email=new.email,
            notes=new.notes,
        )
        custom_fields.write_new(self._ctx, "contacts", contact.id, new.custom)
        customer = self._ctx.session.get(Customer, contact.customer_id)  # loaded already
        assert customer is not None
        return self._records([(contact, customer.name)])[0]

    def update(self, contact_id: int, changes: ContactChanges) -> ContactRecord:
        """Correct a contact (whoever may change its customer); each field is audited."""
        contact = contacts.update(self._ctx, contact_id, given(changes))
        customer = self._ctx.session.get(Customer, contact.customer_id)
        assert customer is not None
        return self._records([(contact, customer.name)])[0]

    def delete(self, contact_id: int) -> Discarded:
        """Put a contact in the recycle bin (`desk.trash.restore` brings it back)."""
        return contacts.delete(self._ctx, contact_id)

    def list(
        self, customer: int | str | None = None, *, after: int = 0, limit: int = 50
    ) -> Page[ContactRecord]:
        """One page of contacts (of one customer, or of every customer you may see)."""
        found = contacts.list_page(
            self._ctx,
            None if customer is None else str(customer),
            after_id=after,
            limit=check_limit(limit),
        )
        return page_of(self._records(found), limit, lambda r: r.id)

    def _records(self, rows: Sequence[tuple[Contact, str]]) -> tuple[ContactRecord, ...]:
        custom = custom_fields.values_for(self._ctx, "contacts", [c.id for c, _ in rows])
        return tuple(
            ContactRecord(
                id=c.id,
                customer_id=c.customer_id,
                customer=customer,
                name=c.name,
                title=c.title,
                phone=c.phone,
                email=c.email,
                notes=c.notes,
                created_at=c.created_at,
                custom=custom.get(c.id, {}),
            )
            for c, customer in rows
        )
