"""The entities a deployment knows: what custom fields, picklists, rules and sync can name.

The core registers its own (customers, contacts, interactions, products, follow-ups); each plugin
registers its records through `crm_register_entities`. An entity is an ORM model with an integer
`id`, so reading it through the session applies the visibility policy by construction.
"""

from __future__ import annotations

from typing import Any

import attrs
from sqlalchemy import inspect, select
from sqlalchemy.orm import InstrumentedAttribute

from crm_core import i18n
from crm_core.context import Context
from crm_core.errors import NotFound, PermissionDenied, PluginError, ValidationError
from crm_core.models import Customer
from crm_core.models.scoping import CustomerScoped, OwnerScoped

#: Columns that are never readable by name from rules or filters (keys, audit bookkeeping).
HIDDEN_COLUMNS = frozenset({"name_key", "phone_key", "created_by_id"})


@attrs.frozen
class Entity:
    """A kind of record: `name` as typed on the command line, the model, titles for people."""

    name: str
    model: type[Any]
    title: str
    title_zh: str = ""
    #: The column that names a record in messages ("name", "title" ...); None: "#id".
    label_column: str | None = "name"
    #: A column holding when the record last changed (for `crm sync export --since`).
    changed_column: str | None = None
    #: Every user may read its records (like products): no visibility filter applies. Without
    #: it the model must be OwnerScoped or CustomerScoped, so an entity is hidden by default.
    shared: bool = False

    def column(self, name: str) -> InstrumentedAttribute[Any]:
        """A column of the model by name, from the allowlist of its mapped columns."""
        if name not in self.column_names():
            raise ValidationError(
                i18n._(
                    "{entity} has no field {field}; fields: {known}.",
                    entity=self.name,
                    field=name,
                    known=", ".join(self.column_names()),
                )
            )
        attribute: InstrumentedAttribute[Any] = getattr(self.model, name)
        return attribute

    def column_names(self) -> list[str]:
        mapper = inspect(self.model)
        return [a.key for a in mapper.column_attrs if a.key not in HIDDEN_COLUMNS]

    def label_of(self, record: Any) -> str:
        if self.label_column is None:
            return f"#{record.id}"
        return f"{getattr(record, self.label_column)} (#{record.id})"

    @property
    def display_title(self) -> str:
        return self.title_zh if i18n.language() == "zh" and self.title_zh else self.title


def check_entity(entity: Entity) -> None:
    """Refuse an entity whose records would be readable by everyone without saying so."""
    if "id" not in inspect(entity.model).columns:
        raise PluginError(f"entity {entity.name!r}: its model has no id column")
    scoped = issubclass(entity.model, OwnerScoped | CustomerScoped)
    if not scoped and not entity.shared:
        raise PluginError(
            f"entity {entity.name!r}: {entity.model.__name__} is neither OwnerScoped nor "
            "CustomerScoped, so every user could read it; scope the model, or register it "
            "with shared=True if that is intended"
        )


def registry(ctx: Context) -> dict[str, Entity]:
    found: dict[str, Entity] = {}

    def register(entity: Entity) -> None:
        if entity.name in found:
            raise PluginError(f"entity {entity.name!r} is registered twice")
        check_entity(entity)
        found[entity.name] = entity

    ctx.hook.crm_register_entities(register=register)
    return found


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
