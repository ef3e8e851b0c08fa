"""Contacts at customers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select

from crm_core.foundation import i18n
from crm_core.foundation.errors import NotFound, ValidationError
from crm_core.foundation.record_ids import record_id
from crm_core.hooks.context import Context
from crm_core.kernel.models import Contact, Customer
from crm_core.services import customers, trash
from crm_core.services.access import require_may_change, visible

#: What a correction may change.
EDITABLE = ("name", "title", "phone", "email", "notes")


def add(
    ctx: Context,
    customer_ref: str,
    name: str,
    *,
    title: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    notes: str | None = None,
) -> Contact:
    customer = customers.get(ctx, customer_ref)
    if not name.strip():
        raise ValidationError("a contact needs a name")
    if email is not None and email.strip() and "@" not in email:
        raise ValidationError(f"{email!r} is not an email address")
    contact = Contact(
        customer_id=customer.id,
        name=name.strip(),
        title=title,
        phone=phone,
        email=email,
        notes=notes,
    )
    ctx.session.add(contact)
    ctx.session.flush()
    return contact


def _checked(values: Mapping[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for field, value in values.items():
        if field not in EDITABLE:
            raise ValidationError(f"unknown contact field {field!r}")
        cleaned[field] = value.strip() or None if isinstance(value, str) else value
    if "name" in cleaned and not cleaned["name"]:
        raise ValidationError("a contact needs a name")
    email = cleaned.get("email")
    if email and "@" not in email:
        raise ValidationError(f"{email!r} is not an email address")
    return cleaned


def update(ctx: Context, contact_id: int, values: Mapping[str, Any]) -> Contact:
    """Correct a contact (whoever may change its customer); each field is audited."""
    contact = visible(ctx, Contact, contact_id, i18n._("contact"))
    require_may_change(ctx, contact, i18n._("change this contact"))
    for field, value in _checked(values).items():
        setattr(contact, field, value)
    ctx.session.flush()
    ctx.hook.crm_records_changed(
        ctx=ctx,
        entity="contacts",
        ids=[contact.id],
        how="updated",
        customer_ids=[contact.customer_id],
    )
    return contact


def delete(ctx: Context, contact_id: int) -> trash.Discarded:
    """Put a contact in the recycle bin; its interactions keep their history, unlinked."""
    trash.require_deleter(ctx)
    contact = visible(ctx, Contact, contact_id, i18n._("contact"))
    require_may_change(ctx, contact, i18n._("delete this contact"))
    return trash.discard(ctx, "contacts", contact, contact.name)


def get(ctx: Context, customer: Customer, ref: str) -> Contact:
    """A contact of `customer` by id or exact name."""
    query = select(Contact).where(Contact.customer_id == customer.id)
    number = record_id(ref)
    query = query.where(Contact.id == number if number is not None else Contact.name == ref)
    contact = ctx.session.scalars(query.limit(1)).first()
    if contact is None:
        raise NotFound(f"{customer.name} has no contact {ref!r}")
    return contact


def list_page(
    ctx: Context, customer_ref: str | None = None, *, after_id: int = 0, limit: int = 50
) -> Sequence[tuple[Contact, str]]:
    query = (
        select(Contact, Customer.name)
        .join(Customer, Customer.id == Contact.customer_id)
        .where(Contact.id > after_id)
        .order_by(Contact.id)
        .limit(limit)
    )
    if customer_ref is not None:
        query = query.where(Contact.customer_id == customers.get(ctx, customer_ref).id)
    return [(row[0], row[1]) for row in ctx.session.execute(query)]
