"""An entity: a kind of record that custom fields, picklists, rules and sync can name.

The core registers its own (customers, contacts, interactions, products, follow-ups); each plugin
registers its records through `crm_register_entities`. An entity is an ORM model with an integer
`id`, so reading it through the session applies the visibility policy by construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
from sqlalchemy import inspect
from sqlalchemy.orm import InstrumentedAttribute

from crm_core.foundation import i18n
from crm_core.foundation.errors import PluginError, ValidationError
from crm_core.hooks.registry import Collection
from crm_core.hooks.scoping import CustomerScoped, OwnerScoped

#: Columns that are never readable by name from rules or filters (keys, audit bookkeeping).
HIDDEN_COLUMNS = frozenset({"name_key", "phone_key", "initials", "created_by_id"})


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


def _check(entity: Entity, _found: Mapping[str, Entity]) -> None:
    check_entity(entity)


ENTITIES: Collection[Entity] = Collection(
    "crm_register_entities", "entity", lambda e: e.name, check=_check
)
