"""Configuration through the API: custom fields, picklists and automation rules (admin work,
stored in the deployment and audited)."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import attrs

from crm_core.api.common import texts
from crm_core.features.rules import actions, events, store
from crm_core.features.rules.store import RuleSpec, Trial
from crm_core.hooks.context import Context
from crm_core.hooks.picklists import Choice
from crm_core.kernel.models import CustomField
from crm_core.services import custom_fields, entities, picklists

__all__ = [
    "ConditionCheck",
    "EntityRecord",
    "FieldCount",
    "FieldEntry",
    "FieldRecord",
    "Fields",
    "NewField",
    "PicklistRecord",
    "PicklistValue",
    "Picklists",
    "RuleActionRecord",
    "RuleEventRecord",
    "RuleRecord",
    "RuleSpec",
    "Rules",
    "SweepRecord",
    "Trial",
    "TrialRecord",
]


@attrs.frozen
class NewField:
    """A custom field on an entity (`crm fields entities` lists them)."""

    entity: str
    name: str
    type: str  # text, int, decimal, date, bool or choice
    choices: tuple[str, ...] = attrs.field(default=(), converter=texts)
    required: bool = False
    label: str | None = None
    label_zh: str | None = None


@attrs.frozen
class FieldRecord:
    entity: str
    name: str
    type: str
    required: bool
    label: str
    label_zh: str | None
    archived: bool


@attrs.frozen
class FieldEntry:
    """A custom field as listed, with a choice field's codes."""

    entity: str
    name: str
    type: str
    label: str
    label_zh: str | None
    required: bool
    choices: str | None


@attrs.frozen
class EntityRecord:
    """Something custom fields, picklists, rules and sync can name."""

    entity: str
    title: str
    table: str


@attrs.frozen
class PicklistRecord:
    picklist: str
    title: str
    governs: str
    values: int


@attrs.frozen
class PicklistValue:
    code: str
    label: str
    label_zh: str | None
    active: bool


@attrs.frozen
class FieldCount:
    """How many records of a field a change touched."""

    field: str
    records: int


def _field_record(field: CustomField) -> FieldRecord:
    return FieldRecord(
        field.entity,
        field.name,
        field.type,
        field.required,
        field.label,
        field.label_zh,
        field.archived_at is not None,
    )


class Fields:
    """`desk.fields`: define custom fields, and read or set their values on any record."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def define(self, new: NewField) -> FieldRecord:
        field = custom_fields.define(
            self._ctx,
            new.entity,
            new.name,
            new.type,
            choices=new.choices,
            required=new.required,
            label=new.label,
            label_zh=new.label_zh,
        )
        return _field_record(field)

    def list(self, entity: str, *, archived: bool = False) -> list[FieldRecord]:
        found = custom_fields.fields(self._ctx, entity, archived=archived)
        return [_field_record(f) for f in found]

    def archive(self, entity: str, name: str) -> int:
        """Remove a field from use, keeping its values; returns how many values it keeps."""
        return custom_fields.archive(self._ctx, entity, name)

    def restore(self, entity: str, name: str) -> int:
        return custom_fields.restore(self._ctx, entity, name)

    def set(
        self, entity: str, record_id: int, values: Mapping[str, str | None]
    ) -> dict[str, tuple[Any, Any]]:
        """Set (None or "" clears) values on one record you may change; {field: (old, new)}."""
        return custom_fields.set_values(self._ctx, entity, record_id, values)

    def values(self, entity: str, record_id: int) -> dict[str, Any]:
        """The values of one record you may see (empty when it has none or is hidden)."""
        return custom_fields.values_for(self._ctx, entity, [record_id]).get(record_id, {})

    def catalogue(
        self, entity: str | None = None, *, archived: bool = False
    ) -> tuple[FieldEntry, ...]:
        """The custom fields of `entity` (or of every entity, by name), with choices."""
        ctx = self._ctx
        if entity:
            entities.entity_named(ctx, entity)
        found = []
        for name in [entity] if entity else sorted(entities.registry(ctx)):
            for f in custom_fields.fields(ctx, name, archived=archived):
                codes = (
                    ", ".join(v.code for v, _on in picklists.choices(ctx, f"{name}.{f.name}"))
                    if f.type == "choice"
                    else None
                )
                found.append(
                    FieldEntry(name, f.name, f.type, f.label, f.label_zh, f.required, codes)
                )
        return tuple(found)

    def show(self, entity: str, record_id: int) -> dict[str, Any]:
        """One record you may see with every custom field of its entity (None when unset):
        `{"entity", "id", field: value ...}`. A record hidden from you is not found."""
        ctx = self._ctx
        entities.visible_record(ctx, entities.entity_named(ctx, entity), record_id)
        values = self.values(entity, record_id)
        shown = {f.name: values.get(f.name) for f in custom_fields.fields(ctx, entity)}
        return {"entity": entity, "id": record_id, **shown}

    def entities(self) -> tuple[EntityRecord, ...]:
        """The entities of the core and the enabled plugins, by name."""
        found = sorted(entities.registry(self._ctx).values(), key=lambda e: e.name)
        return tuple(EntityRecord(e.name, e.display_title, e.model.__tablename__) for e in found)


class Picklists:
    """`desk.picklists`: the admin-edited value lists (industry, region, interaction_kind, ...)."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def choices(self, picklist: str) -> list[Choice]:
        """The values in use, in order."""
        picklists.picklist_named(self._ctx, picklist)
        found = picklists.choices(self._ctx, picklist)
        return [Choice(v.code, v.label, v.label_zh or "") for v, _active in found]

    def add(
        self, picklist: str, code: str, label: str | None = None, label_zh: str | None = None
    ) -> None:
        picklists.add(self._ctx, picklist, code, label, label_zh)

    def relabel(
        self, picklist: str, code: str, label: str | None = None, label_zh: str | None = None
    ) -> None:
        picklists.relabel(self._ctx, picklist, code, label, label_zh)

    def rename(self, picklist: str, code: str, new_code: str) -> tuple[FieldCount, ...]:
        """Change a code and rewrite every record that uses it; records per `entity.field`."""
        moved = picklists.rename(self._ctx, picklist, code, new_code)
        return tuple(FieldCount(field, count) for field, count in moved.items())

    def lists(self) -> tuple[PicklistRecord, ...]:
        """Every picklist by name: its title in your language, the fields it governs and how
        many values are in use."""
        ctx = self._ctx
        zh = ctx.language == "zh"
        return tuple(
            PicklistRecord(
                p.name,
                p.title_zh if p.title_zh and zh else p.title,
                ", ".join(f"{e}.{f}" for e, f in p.fields),
                len(picklists.choices(ctx, p.name)),
            )
            for p in sorted(picklists.registry(ctx).values(), key=lambda p: p.name)
        )

    def values(self, picklist: str, *, retired: bool = False) -> tuple[PicklistValue, ...]:
        """The values of a picklist in order, the retired ones too with `retired`."""
        picklists.picklist_named(self._ctx, picklist)
        return tuple(
            PicklistValue(v.code, v.label, v.label_zh, on)
            for v, on in picklists.choices(self._ctx, picklist, retired=retired)
        )

    def retire(self, picklist: str, code: str) -> int:
        """Take a value out of use; records keep it. Returns how many records carry it."""
        return picklists.retire(self._ctx, picklist, code)


@attrs.frozen
class RuleRecord:
    """A rule as listed: its conditions joined with "and"."""

    name: str
    on: str
    when: str
    do: str
    enabled: bool


@attrs.frozen
class ConditionCheck:
    condition: str
    actual: Any
    holds: bool


@attrs.frozen
class TrialRecord:
    """What a rule would do to one record (`Rules.test`): each condition as it stands, and the
    changes the action would write, or why it would be refused."""

    rule: str
    record: str
    matched: bool
    conditions: tuple[ConditionCheck, ...]
    effects: tuple[dict[str, Any], ...]
    error: str | None


@attrs.frozen
class RuleEventRecord:
    event: str
    entity: str
    periodic: bool
    description: str


@attrs.frozen
class RuleActionRecord:
    action: str
    entities: str
    description: str


@attrs.frozen
class SweepRecord:
    event: str
    records: int


class Rules:
    """`desk.rules`: automation rules (when EVENT and CONDITIONS, do ACTION)."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def add(self, spec: RuleSpec, *, replace: bool = False) -> RuleSpec:
        return store.spec_of(store.add(self._ctx, spec, replace=replace))

    def list(self) -> list[RuleSpec]:
        return [store.spec_of(rule) for rule in store.rules(self._ctx)]

    def enable(self, name: str, enabled: bool = True) -> None:
        store.set_enabled(self._ctx, name, enabled)

    def remove(self, name: str) -> None:
        store.remove(self._ctx, name)

    def load(self, path: Path) -> builtins.list[RuleSpec]:
        """Rules from a TOML file, added or replaced by name."""
        return [store.spec_of(rule) for rule in store.load(self._ctx, Path(path))]

    def test(self, name: str, record_id: int) -> Trial:
        """What the rule would do to one record, without writing anything."""
        return store.trial(self._ctx, name, record_id)

    def listing(self) -> tuple[RuleRecord, ...]:
        """Every rule in the order they run, as `crm rules list` shows them."""
        return tuple(
            RuleRecord(spec.name, spec.on, " and ".join(spec.when), spec.do, spec.enabled)
            for spec in self.list()
        )

    def trial(self, name: str, record_id: int) -> TrialRecord:
        """`test` as a record: what `crm rules test --format json` prints."""
        found = self.test(name, record_id)
        return TrialRecord(
            found.rule,
            found.record,
            found.matched,
            tuple(ConditionCheck(c.condition, c.actual, c.holds) for c in found.checks),
            found.effects,
            found.error,
        )

    def events(self) -> tuple[RuleEventRecord, ...]:
        """The events rules can listen to, by name."""
        found = sorted(events.registry(self._ctx).values(), key=lambda e: e.name)
        return tuple(
            RuleEventRecord(e.name, e.entity, e.sweep is not None, e.description) for e in found
        )

    def actions(self) -> tuple[RuleActionRecord, ...]:
        """The actions rules can run, by name."""
        found = sorted(actions.registry(self._ctx).values(), key=lambda a: a.name)
        return tuple(
            RuleActionRecord(a.name, ", ".join(a.entities) or "any", a.description) for a in found
        )

    def sweep(self, on: date | None = None, *, again: bool = False) -> tuple[SweepRecord, ...]:
        """Fire the periodic events for a day (once a day unless `again`); records per event."""
        fired = store.sweep(self._ctx, on or self._ctx.today(), again=again)
        return tuple(SweepRecord(event, count) for event, count in fired.items())
