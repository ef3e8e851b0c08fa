"""Deleting a record a person may change, into the recycle bin, and restoring it.

A delete keeps the record whole in `crm_deleted_record` (its row, its custom-field values, the
rows whose link to it the delete cleared) and then removes the row, so every read, count, export,
report and rollup leaves it out without a filter of its own, and the database's triggers keep the
rollups right. A record that other rows still need (an order's product, a decision tree's
contact) is refused, naming what holds it. Both the delete and the restore are audited on the
record; `crm_records_changed` tells the plugins. Why a bin and not a flag:
docs/decisions/0032-deletes-go-to-a-recycle-bin.md.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs
from sqlalchemy import Table, delete, func, insert, select, update

from crm_core.foundation import i18n
from crm_core.foundation.errors import NotFound, PermissionDenied, ValidationError
from crm_core.foundation.schema import metadata, table_of
from crm_core.hooks.context import Context
from crm_core.hooks.entities import ENTITIES
from crm_core.hooks.plugin_spec import TABLE_OWNER
from crm_core.kernel import audit_trail
from crm_core.kernel.models import CustomField, CustomValue, DeletedRecord, PluginState, User

_bin = table_of(DeletedRecord)
_values = table_of(CustomValue)
_fields = table_of(CustomField)


@attrs.frozen
class Discarded:
    """A record put in the bin: `trash_id` restores it."""

    trash_id: int
    entity: str
    record_id: int
    label: str


def discard(ctx: Context, entity: str, record: Any, label: str) -> Discarded:
    """Put `record` (an ORM object the caller has checked the actor may delete) in the bin."""
    table: Table = record.__table__
    record_id = int(record.id)
    owner = getattr(record, "customer_id", None)
    customer_ids = [int(owner)] if owner is not None else []
    blockers, links = _references(ctx, table, record_id)
    if blockers:
        raise ValidationError(
            i18n._(
                "{label} cannot be deleted: {uses} still refer to it.",
                label=label,
                uses=", ".join(f"{count} {name}" for name, count in blockers),
            )
        )
    row = ctx.session.execute(select(table).where(table.c.id == record_id)).mappings().one()
    custom = _custom_values(ctx, entity, record_id)
    trash_id = ctx.session.scalar(
        insert(_bin)
        .values(
            entity=entity,
            record_id=record_id,
            label=label[:300],
            row={"__table__": table.name, **{k: _encode(v) for k, v in row.items()}},
            custom=custom,
            links=links,
            deleted_by_id=ctx.actor.id,
            deleted_at=ctx.now(),
        )
        .returning(_bin.c.id)
    )
    assert trash_id is not None
    if custom:
        ctx.session.execute(
            delete(_values).where(
                _values.c.record_id == record_id,
                _values.c.field_id.in_([int(f) for f in custom]),
            )
        )
    ctx.session.expunge(record)
    ctx.session.execute(delete(table).where(table.c.id == record_id))
    audit_trail.record(
        ctx.session,
        [
            {
                "action": "delete",
                "entity": table.name,
                "entity_id": str(record_id),
                "old_value": audit_trail.render(label),
                "new_value": f"bin {trash_id}",
            }
        ],
    )
    ctx.hook.crm_records_changed(
        ctx=ctx, entity=entity, ids=[record_id], how="deleted", customer_ids=customer_ids
    )
    return Discarded(int(trash_id), entity, record_id, label)


def restore(ctx: Context, trash_id: int) -> Discarded:
    """Put a deleted record back (its deleter or an admin), under its own id when that is
    free, and relink the rows the delete had cleared."""
    kept = ctx.session.execute(select(_bin).where(_bin.c.id == trash_id)).mappings().first()
    if kept is None or not _may_see(ctx, kept):
        raise NotFound(i18n._("Nothing in the bin under {id}.", id=trash_id))
    table = metadata.tables[kept["row"]["__table__"]]
    row = {k: _decode(v) for k, v in kept["row"].items() if k != "__table__"}
    old_id = int(kept["record_id"])
    if ctx.session.scalar(select(table.c.id).where(table.c.id == old_id)) is not None:
        row.pop("id")  # taken meanwhile (SQLite reuses the highest id): a new one
    new_id = int(ctx.session.scalar(insert(table).values(row).returning(table.c.id)) or 0)
    for field_id, (text, number) in dict(kept["custom"]).items():
        ctx.session.execute(
            insert(_values).values(
                field_id=int(field_id),
                record_id=new_id,
                text=text,
                number=Decimal(number) if number is not None else None,
            )
        )
    for name, column, ids in kept["links"]:
        linked = metadata.tables[name]
        ctx.session.execute(
            update(linked)
            .where(linked.c.id.in_(ids), linked.c[column].is_(None))
            .values({column: new_id})
        )
    ctx.session.execute(delete(_bin).where(_bin.c.id == trash_id))
    audit_trail.record(
        ctx.session,
        [
            {
                "action": "restore",
                "entity": table.name,
                "entity_id": str(new_id),
                "new_value": audit_trail.render(kept["label"]),
            }
        ],
    )
    ctx.session.expire_all()
    owner = row.get("customer_id")
    ctx.hook.crm_records_changed(
        ctx=ctx,
        entity=kept["entity"],
        ids=[new_id],
        how="restored",
        customer_ids=[int(owner)] if owner is not None else [],
    )
    return Discarded(trash_id, kept["entity"], new_id, kept["label"])


def listing(ctx: Context, *, after_id: int = 0, limit: int = 50) -> list[dict[str, object]]:
    """What is in the bin: everything for an admin, what you deleted for anyone else."""
    query = (
        select(
            _bin.c.id, _bin.c.entity, _bin.c.record_id, _bin.c.label, User.login, _bin.c.deleted_at
        )
        .outerjoin(User, User.id == _bin.c.deleted_by_id)
        .where(_bin.c.id > after_id)
        .order_by(_bin.c.id)
        .limit(limit)
    )
    if not ctx.actor.is_admin:
        query = query.where(_bin.c.deleted_by_id == ctx.actor.id)
    keys = ("id", "entity", "record_id", "label", "deleted_by", "deleted_at")
    return [
        {
            **dict(zip(keys, row, strict=True)),
            "deleted_at": ctx.local(row[-1]).replace(microsecond=0),
        }
        for row in ctx.session.execute(query)
    ]


def _may_see(ctx: Context, kept: Any) -> bool:
    return ctx.actor.is_admin or (
        ctx.actor.id is not None and kept["deleted_by_id"] == ctx.actor.id
    )


def require_deleter(ctx: Context) -> None:
    if ctx.actor.id is None:
        raise PermissionDenied(i18n._("Deleting is done as a user: pass --as LOGIN."))


def _references(
    ctx: Context, table: Table, record_id: int
) -> tuple[list[tuple[str, int]], list[list[Any]]]:
    """Rows of other tables that point at the record: those that would block or cascade (the
    delete is refused), and those whose link the delete clears (SET NULL), kept to relink."""
    blockers: list[tuple[str, int]] = []
    links: list[list[Any]] = []
    installed = set(ctx.session.scalars(select(PluginState.name)))
    for other in metadata.tables.values():
        owner = other.info.get(TABLE_OWNER)
        if owner is not None and owner not in installed:
            continue  # a plugin this deployment never installed: no such table here
        for fk in other.foreign_keys:
            if fk.column.table is not table or other is _bin:
                continue
            column = fk.parent
            pointing = select(other.c.id) if "id" in other.c else select(column)
            ids = list(ctx.session.scalars(pointing.where(column == record_id).limit(10_001)))
            if not ids:
                continue
            if (fk.ondelete or "").upper() == "SET NULL" and "id" in other.c:
                links.append([other.name, column.name, ids])
            else:
                count = int(
                    ctx.session.scalar(
                        select(func.count()).select_from(other).where(column == record_id)
                    )
                    or 0
                )
                blockers.append((_what(ctx, other), count))
    return blockers, links


def _what(ctx: Context, table: Table) -> str:
    """A table's rows in words: its entity's title ("Orders"), else its name without the
    plugin's prefix ("order line")."""
    for entity in ctx.registry(ENTITIES).values():
        if getattr(entity.model, "__table__", None) is table:
            return entity.display_title
    name = table.name.split("_", 1)[1] if "_" in table.name else table.name
    return i18n._(name.replace("_", " "))


def _custom_values(ctx: Context, entity: str, record_id: int) -> dict[str, list[Any]]:
    rows = ctx.session.execute(
        select(_values.c.field_id, _values.c.text, _values.c.number)
        .join(_fields, _fields.c.id == _values.c.field_id)
        .where(_fields.c.entity == entity, _values.c.record_id == record_id)
    )
    return {
        str(field_id): [text, str(number) if number is not None else None]
        for field_id, text, number in rows
    }


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$moment": value.isoformat()}
    if isinstance(value, date):
        return {"$day": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, text),) = value.items()
        if tag == "$moment":
            return datetime.fromisoformat(text)
        if tag == "$day":
            return date.fromisoformat(text)
        if tag == "$decimal":
            return Decimal(text)
    return value
