"""Picklists: the values a field may take, with English and Chinese labels, edited by an admin.

A picklist is declared (by the core or a plugin, through `crm_register_picklists`) with the
fields it governs and its default values; a `choice` custom field has its own picklist named
`ENTITY.FIELD`. Records store a value's code. While a picklist has no values the field is free
text; once it has some, a value must be one of the active codes (a label in either language is
accepted and stored as its code). Renaming a code rewrites every record that uses it, in the
same transaction, so nothing is orphaned.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import func, select, update

from crm_core.foundation import i18n
from crm_core.foundation.errors import (
    DuplicateError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from crm_core.foundation.schema import table_of
from crm_core.hooks.context import Context
from crm_core.hooks.picklists import PICKLISTS, Choice, Picklist
from crm_core.kernel import audit_trail
from crm_core.kernel.models import CustomField, CustomValue, PicklistValue

_values = table_of(PicklistValue)
_custom_values = table_of(CustomValue)


_CACHE_KEY = "crm_picklists"


def _cache(ctx: Context) -> dict[Any, Any]:
    """Per unit of work: registries and resolvers are looked up once per transaction."""
    cache: dict[Any, Any] = ctx.session.info.setdefault(_CACHE_KEY, {})
    return cache


def forget(ctx: Context) -> None:
    """Drop the unit of work's cache after picklists or choice fields changed."""
    ctx.session.info.pop(_CACHE_KEY, None)


def registry(ctx: Context) -> dict[str, Picklist]:
    """Declared picklists plus one per active `choice` custom field."""
    cache = _cache(ctx)
    if "registry" not in cache:
        cache["registry"] = _collect(ctx)
    found: dict[str, Picklist] = cache["registry"]
    return found


def _collect(ctx: Context) -> dict[str, Picklist]:
    found = dict(ctx.registry(PICKLISTS))
    for field in ctx.session.scalars(
        select(CustomField).where(CustomField.type == "choice", CustomField.archived_at.is_(None))
    ):
        name = f"{field.entity}.{field.name}"
        found[name] = Picklist(name, field.label, field.label_zh or "")
    return found


def picklist_named(ctx: Context, name: str) -> Picklist:
    found = registry(ctx)
    if name not in found:
        raise NotFound(
            i18n._("No picklist {name}; known: {known}.", name=name, known=", ".join(sorted(found)))
        )
    return found[name]


def governing(ctx: Context, entity: str, field: str) -> Picklist | None:
    """The picklist that governs `entity.field`, if any."""
    for picklist in registry(ctx).values():
        if (entity, field) in picklist.fields:
            return picklist
    return None


def choices(ctx: Context, name: str, *, retired: bool = False) -> list[tuple[PicklistValue, bool]]:
    """The stored values (with `active`), or the declared defaults while none is stored."""
    query = select(PicklistValue).where(PicklistValue.picklist == name)
    if not retired:
        query = query.where(PicklistValue.active.is_(True))
    stored = list(ctx.session.scalars(query.order_by(PicklistValue.position, PicklistValue.id)))
    if stored or _has_rows(ctx, name):
        return [(v, v.active) for v in stored]
    declared = registry(ctx).get(name)
    defaults = declared.defaults if declared else ()
    return [
        (PicklistValue(picklist=name, code=c.code, label=c.label, label_zh=c.label_zh), True)
        for c in defaults
    ]


def _has_rows(ctx: Context, name: str) -> bool:
    count = ctx.session.scalar(
        select(func.count()).select_from(_values).where(_values.c.picklist == name)
    )
    return bool(count)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().casefold()


def resolver(ctx: Context, name: str) -> Callable[[str], str] | None:
    """A function turning a typed value (code or label) into its code; None while free text.

    The function raises ValidationError naming the allowed codes.
    """
    cache = _cache(ctx)
    key = ("resolver", name)
    if key not in cache:
        cache[key] = _make_resolver(ctx, name)
    resolve: Callable[[str], str] | None = cache[key]
    return resolve


def _make_resolver(ctx: Context, name: str) -> Callable[[str], str] | None:
    active = [v for v, on in choices(ctx, name) if on]
    if not active:
        return None
    lookup: dict[str, str] = {}
    for value in active:
        for text in (value.label, value.label_zh):
            if text:
                lookup.setdefault(_fold(text), value.code)
    for value in active:  # a code always wins over another value's label
        lookup[_fold(value.code)] = value.code
    allowed = ", ".join(v.code for v in active)

    def resolve(text: str) -> str:
        code = lookup.get(_fold(text))
        if code is None:
            raise ValidationError(
                i18n._(
                    "{value!r} is not in the {picklist} picklist ({allowed}).",
                    value=text,
                    picklist=name,
                    allowed=allowed,
                )
            )
        return code

    return resolve


def resolve_fields(ctx: Context, entity: str, values: dict[str, Any]) -> None:
    """Replace picklist-governed values in `values` (field -> text) by their codes, in place."""
    for picklist in registry(ctx).values():
        for bound_entity, field in picklist.fields:
            if bound_entity == entity and values.get(field):
                resolve = resolver(ctx, picklist.name)
                if resolve is not None:
                    values[field] = resolve(str(values[field]))


def bulk_resolver(
    ctx: Context, entity: str, fields: Iterable[str]
) -> dict[str, Callable[[str], str]]:
    """Resolvers for the governed ones of `fields` (for an import batch: looked up once)."""
    found: dict[str, Callable[[str], str]] = {}
    for field in fields:
        picklist = governing(ctx, entity, field)
        if picklist is not None:
            resolve = resolver(ctx, picklist.name)
            if resolve is not None:
                found[field] = resolve
    return found


# -- editing (admins) ----------------------------------------------------------------------------


def _require_admin(ctx: Context) -> None:
    if not ctx.actor.is_admin:
        raise PermissionDenied(i18n._("Only an admin may edit picklists."))


def _materialise(ctx: Context, name: str) -> None:
    """Store the declared defaults before the first edit, so the edit keeps them."""
    if _has_rows(ctx, name):
        return
    declared = registry(ctx).get(name)
    for position, choice in enumerate(declared.defaults if declared else ()):
        ctx.session.add(
            PicklistValue(
                picklist=name,
                code=choice.code,
                label=choice.label,
                label_zh=choice.label_zh or choice.label,
                position=position,
            )
        )
    ctx.session.flush()


def _stored(ctx: Context, name: str, code: str) -> PicklistValue:
    found = ctx.session.scalar(
        select(PicklistValue).where(PicklistValue.picklist == name, PicklistValue.code == code)
    )
    if found is None:
        raise NotFound(i18n._("{picklist} has no value {code}.", picklist=name, code=code))
    return found


def _require_open(picklist: Picklist) -> None:
    if picklist.fixed:
        raise ValidationError(
            i18n._(
                "The {picklist} picklist's values are fixed: relabel them, but add, rename or "
                "retire none.",
                picklist=picklist.name,
            )
        )


def add(
    ctx: Context, name: str, code: str, label: str | None = None, label_zh: str | None = None
) -> PicklistValue:
    _require_admin(ctx)
    _require_open(picklist_named(ctx, name))
    forget(ctx)
    code = code.strip()
    if not code:
        raise ValidationError(i18n._("A picklist value needs a code."))
    _materialise(ctx, name)
    found = ctx.session.scalar(
        select(PicklistValue).where(PicklistValue.picklist == name, PicklistValue.code == code)
    )
    if found is not None:
        if found.active:
            raise DuplicateError(i18n._("{picklist} has {code} already.", picklist=name, code=code))
        found.active = True
        found.label = label or found.label
        found.label_zh = label_zh or found.label_zh
        ctx.session.flush()
        return found
    position = ctx.session.scalar(
        select(func.coalesce(func.max(PicklistValue.position), -1)).where(
            PicklistValue.picklist == name
        )
    )
    value = PicklistValue(
        picklist=name,
        code=code,
        label=label or code,
        label_zh=label_zh or label or code,
        position=int(position or 0) + 1,
    )
    ctx.session.add(value)
    ctx.session.flush()
    return value


def seed(ctx: Context, name: str, defaults: Sequence[Choice]) -> None:
    """Store `defaults` for a picklist that has no stored values yet (idempotent)."""
    forget(ctx)
    if _has_rows(ctx, name):
        return
    for position, choice in enumerate(defaults):
        ctx.session.add(
            PicklistValue(
                picklist=name,
                code=choice.code,
                label=choice.label,
                label_zh=choice.label_zh or choice.label,
                position=position,
            )
        )
    ctx.session.flush()


def relabel(
    ctx: Context, name: str, code: str, label: str | None, label_zh: str | None
) -> PicklistValue:
    _require_admin(ctx)
    picklist_named(ctx, name)
    forget(ctx)
    _materialise(ctx, name)
    value = _stored(ctx, name, code)
    if label:
        value.label = label
    if label_zh:
        value.label_zh = label_zh
    ctx.session.flush()
    return value


def retire(ctx: Context, name: str, code: str) -> int:
    """Take a value out of use; records that carry it keep it. Returns how many do."""
    _require_admin(ctx)
    _require_open(picklist_named(ctx, name))
    forget(ctx)
    _materialise(ctx, name)
    value = _stored(ctx, name, code)
    if not value.active:
        raise ValidationError(
            i18n._("{picklist} {code} is retired already.", picklist=name, code=code)
        )
    value.active = False
    ctx.session.flush()
    return sum(usage(ctx, name, code).values())


def rename(ctx: Context, name: str, code: str, new_code: str) -> dict[str, int]:
    """Give a value a new code and rewrite every record that uses it; {entity.field: count}."""
    _require_admin(ctx)
    picklist = picklist_named(ctx, name)
    _require_open(picklist)
    forget(ctx)
    new_code = new_code.strip()
    if not new_code:
        raise ValidationError(i18n._("A picklist value needs a code."))
    _materialise(ctx, name)
    value = _stored(ctx, name, code)
    clash = ctx.session.scalar(
        select(PicklistValue.id).where(
            PicklistValue.picklist == name, PicklistValue.code == new_code
        )
    )
    if clash is not None:
        raise DuplicateError(i18n._("{picklist} has {code} already.", picklist=name, code=new_code))
    value.code = new_code
    if value.label == code:
        value.label = new_code
    if value.label_zh == code:
        value.label_zh = new_code
    ctx.session.flush()
    moved: dict[str, int] = {}
    for entity_name, field, table, column in _bound_columns(ctx, picklist):
        ids = [row[0] for row in ctx.session.execute(select(table.c.id).where(column == code))]
        if not ids:
            continue
        ctx.session.execute(update(table).where(column == code).values({column.key: new_code}))
        audit_trail.record(
            ctx.session,
            (
                {
                    "action": "update",
                    "entity": table.name,
                    "entity_id": str(record_id),
                    "field": field,
                    "old_value": code,
                    "new_value": new_code,
                }
                for record_id in ids
            ),
        )
        moved[f"{entity_name}.{field}"] = len(ids)
    custom = _custom_field_of(ctx, name)
    if custom is not None:
        moved.update(_rename_custom_values(ctx, custom, code, new_code))
    return moved


def _bound_columns(ctx: Context, picklist: Picklist) -> list[tuple[str, str, Any, Any]]:
    from crm_core.services.entities import registry as entity_registry

    entities = entity_registry(ctx)
    found = []
    for entity_name, field in picklist.fields:
        entity = entities.get(entity_name)
        if entity is None:
            continue  # declared for an entity of a plugin that is not enabled
        table = entity.model.__table__
        found.append((entity_name, field, table, table.c[field]))
    return found


def _custom_field_of(ctx: Context, name: str) -> CustomField | None:
    entity, _, field = name.partition(".")
    if not field:
        return None
    return ctx.session.scalar(
        select(CustomField).where(CustomField.entity == entity, CustomField.name == field)
    )


def _rename_custom_values(
    ctx: Context, field: CustomField, code: str, new_code: str
) -> dict[str, int]:
    from crm_core.services.entities import registry as entity_registry

    where = (_custom_values.c.field_id == field.id, _custom_values.c.text == code)
    ids = [row[0] for row in ctx.session.execute(select(_custom_values.c.record_id).where(*where))]
    if not ids:
        return {}
    ctx.session.execute(update(_custom_values).where(*where).values(text=new_code))
    entity = entity_registry(ctx).get(field.entity)
    table_name = entity.model.__tablename__ if entity else field.entity
    audit_trail.record(
        ctx.session,
        (
            {
                "action": "update",
                "entity": table_name,
                "entity_id": str(record_id),
                "field": f"custom.{field.name}",
                "old_value": code,
                "new_value": new_code,
            }
            for record_id in ids
        ),
    )
    return {f"{field.entity}.{field.name}": len(ids)}


def usage(ctx: Context, name: str, code: str | None = None) -> dict[str, int]:
    """How many records use `code` (or any value) of the picklist, per entity.field."""
    picklist = picklist_named(ctx, name)
    counts: dict[str, int] = {}
    for entity_name, field, table, column in _bound_columns(ctx, picklist):
        query = select(func.count()).select_from(table)
        query = (
            query.where(column == code) if code is not None else query.where(column.is_not(None))
        )
        counts[f"{entity_name}.{field}"] = int(ctx.session.scalar(query) or 0)
    custom = _custom_field_of(ctx, name)
    if custom is not None:
        query = select(func.count()).where(_custom_values.c.field_id == custom.id)
        if code is not None:
            query = query.where(_custom_values.c.text == code)
        counts[f"{custom.entity}.{custom.name}"] = int(ctx.session.scalar(query) or 0)
    return counts
