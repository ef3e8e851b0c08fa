"""The entities a deployment knows: what custom fields, picklists, rules and sync can name.

The core registers its own (customers, contacts, interactions, products, follow-ups); each plugin
registers its records through `crm_register_entities`. An entity is an ORM model with an integer
`id`, so reading it through the session applies the visibility policy by construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from crm_core.foundation import i18n
from crm_core.foundation.errors import NotFound, PermissionDenied, ValidationError
from crm_core.hooks.context import Context
from crm_core.hooks.entities import ENTITIES, Entity
from crm_core.hooks.scoping import CustomerScoped, OwnerScoped
from crm_core.kernel.models import Customer


def registry(ctx: Context) -> Mapping[str, Entity]:
    """Every entity the core and the enabled plugins registered, by name."""
    return ctx.registry(ENTITIES)


def entity_named(ctx: Context, name: str) -> Entity:
    found = registry(ctx)
    if name not in found:
        raise ValidationError(
            i18n._(
                "No entity {entity}; known: {known}.", entity=name, known=", ".join(sorted(found))
            )
        )
    return found[name]


def visible_record(ctx: Context, entity: Entity, record_id: int) -> Any:
    """The record, read under the acting user's visibility; NotFound when absent or hidden."""
    record = ctx.session.scalar(select(entity.model).where(entity.model.id == record_id))
    if record is None:
        raise NotFound(i18n._("No {entity} {ref}.", entity=entity.name, ref=record_id))
    return record


def owner_id_of(ctx: Context, record: Any) -> int | None:
    """Who owns a record: its own owner, or its customer's owner."""
    if isinstance(record, OwnerScoped):
        return record.owner_id
    if isinstance(record, CustomerScoped):
        customer = ctx.session.get(Customer, record.customer_id)
        return customer.owner_id if customer is not None else None
    return None


def require_may_edit(ctx: Context, entity: Entity, record: Any) -> None:
    """Salespeople change only what they own; records without an owner column need a manager."""
    actor = ctx.actor
    if actor.is_admin or actor.role == "manager":
        return
    scoped = isinstance(record, OwnerScoped | CustomerScoped)
    if scoped and owner_id_of(ctx, record) == actor.id:
        return
    raise PermissionDenied(
        i18n._(
            "{login} may not change {entity} {record}.",
            login=actor.login,
            entity=entity.name,
            record=entity.label_of(record),
        )
    )
