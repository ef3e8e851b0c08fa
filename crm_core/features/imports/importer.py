"""Finding the importer of an entity."""

from __future__ import annotations

from collections.abc import Mapping

from crm_core.features.imports.entity_export import entity_exporter
from crm_core.foundation import i18n
from crm_core.foundation.errors import ValidationError
from crm_core.hooks.context import Context
from crm_core.hooks.entities import ENTITIES
from crm_core.hooks.importers import IMPORTERS, Importer


def registry(ctx: Context) -> Mapping[str, Importer]:
    """Every importer the core and the enabled plugins registered, by name."""
    return ctx.registry(IMPORTERS)


def importer_for(ctx: Context, entity: str, *, exporting: bool = False) -> Importer:
    """The importer of `entity`; for an export, any entity without one gets the generic
    exporter of its model's columns (`entity_export`)."""
    found = registry(ctx)
    if entity not in found:
        entities = ctx.registry(ENTITIES)
        if exporting and entity in entities:
            return entity_exporter(entities[entity])
        known = ", ".join(sorted(found))
        if exporting:
            known = ", ".join(sorted({*found, *entities}))
            raise ValidationError(
                i18n._("Cannot export {entity}; known: {known}.", entity=entity, known=known)
            )
        raise ValidationError(
            i18n._("Cannot import {entity}; known: {known}.", entity=entity, known=known)
        )
    return found[entity]
