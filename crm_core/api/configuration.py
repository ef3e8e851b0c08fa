"""Configuration through the API: custom fields, picklists and automation rules (admin work,
stored in the deployment and audited)."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from crm_core.api.common import texts
from crm_core.features.rules import store
from crm_core.features.rules.store import RuleSpec, Trial
from crm_core.hooks.context import Context
from crm_core.hooks.picklists import Choice
from crm_core.kernel.models import CustomField
from crm_core.services import custom_fields, picklists


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

    def rename(self, picklist: str, code: str, new_code: str) -> dict[str, int]:
        """Change a code and rewrite every record that uses it; {entity.field: records}."""
        return picklists.rename(self._ctx, picklist, code, new_code)

    def retire(self, picklist: str, code: str) -> int:
        """Take a value out of use; records keep it. Returns how many records carry it."""
        return picklists.retire(self._ctx, picklist, code)


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
