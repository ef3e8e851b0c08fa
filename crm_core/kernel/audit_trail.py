"""Every ORM write leaves audit rows in the same transaction, by construction.

An `after_flush` listener on the session factory reads each flushed object's history: a
"create" row with the new values, one "update" row per changed field (old and new value), a
"delete" row with the old values. Bulk paths that bypass the ORM call `record()` themselves.
A model opts out with `__crm_audit__ = False`; fields in `__crm_audit_exclude__` are skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, event, inspect
from sqlalchemy.orm import Session, sessionmaker

from crm_core.foundation.limits import check_text
from crm_core.foundation.schema import table_of
from crm_core.foundation.types import utcnow
from crm_core.kernel import bulk
from crm_core.kernel.models.audit import AuditEntry
from crm_core.kernel.visibility import actor_of

ALWAYS_EXCLUDED = frozenset({"created_at", "updated_at"})
_audit = table_of(AuditEntry)
#: One encoder for every value (json.dumps with options builds a new one per call).
_encode = json.JSONEncoder(ensure_ascii=False, default=str).encode


def render(value: Any) -> str | None:
    """A stable text form for the log."""
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | int | float | str | bool):
        return str(value)
    return _encode(value)


def _audited(obj: object) -> bool:
    return bool(getattr(type(obj), "__crm_audit__", True))


def _excluded(obj: object) -> frozenset[str]:
    return ALWAYS_EXCLUDED | frozenset(getattr(type(obj), "__crm_audit_exclude__", ()))


def _entity_id(obj: object) -> str:
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return ":".join(str(part) for part in key)


def _snapshot(obj: object) -> str:
    mapper = inspect(obj).mapper
    skip = _excluded(obj)
    values = {
        attr.key: render(getattr(obj, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in skip
    }
    return json.dumps(values, ensure_ascii=False, sort_keys=True)


#: While set (`watching`), every audit row written in this context is also noted here as
#: (action, entity, entity_id): the server tells a client which records its request changed.
_watchers: ContextVar[list[tuple[str, str, str]] | None] = ContextVar(
    "crm_audit_watchers", default=None
)


@contextmanager
def watching() -> Iterator[list[tuple[str, str, str]]]:
    """Note (action, entity, entity_id) of every audit row written inside the block."""
    seen: list[tuple[str, str, str]] = []
    token = _watchers.set(seen)
    try:
        yield seen
    finally:
        _watchers.reset(token)


def record(session: Session, entries: Iterable[Mapping[str, Any]]) -> None:
    """Write audit rows for a bulk operation (each mapping: action, entity, entity_id, ...)."""
    actor = actor_of(session.info)
    now = utcnow()
    rows = [
        {
            "at": now,
            "actor_id": actor.id if actor else None,
            "field": None,
            "old_value": None,
            "new_value": None,
            **entry,
        }
        for entry in entries
    ]
    if rows:
        bulk.insert_rows(session, _audit, rows, with_ids=False, watched=False, checked=False)
        seen = _watchers.get()
        if seen is not None:
            seen.extend((str(r["action"]), str(r["entity"]), str(r["entity_id"])) for r in rows)


def record_field(
    session: Session,
    entity: str,
    ids: Iterable[object],
    field: str,
    new: Any,
    action: str = "update",
) -> None:
    """One audit row per record of a bulk UPDATE that set `field` to `new` (use UPDATE ... RETURNING
    to get the ids)."""
    record(
        session,
        [
            {
                "action": action,
                "entity": entity,
                "entity_id": str(i),
                "field": field,
                "new_value": render(new),
            }
            for i in ids
        ],
    )


def install(session_factory: sessionmaker[Any]) -> None:
    @event.listens_for(session_factory, "before_flush")
    def _limit(session: Session, _context: Any, _instances: Any) -> None:
        # Text its column cannot hold is refused before anything is written (foundation.limits).
        for obj in (*session.new, *session.dirty):
            state = inspect(obj)
            table = state.mapper.local_table
            if not isinstance(table, Table):
                continue
            values = {
                attr.columns[0].name: state.dict[attr.key]
                for attr in state.mapper.column_attrs
                if attr.key in state.dict
                and (obj in session.new or state.attrs[attr.key].history.has_changes())
            }
            check_text(table, values)

    @event.listens_for(session_factory, "after_flush")
    def _log(session: Session, _context: Any) -> None:
        rows: list[dict[str, Any]] = []
        for obj in session.new:
            if _audited(obj):
                table = inspect(obj).mapper.local_table.name
                rows.append(
                    {
                        "action": "create",
                        "entity": table,
                        "entity_id": _entity_id(obj),
                        "new_value": _snapshot(obj),
                    }
                )
        for obj in session.dirty:
            if not _audited(obj):
                continue
            state = inspect(obj)
            table = state.mapper.local_table.name
            skip = _excluded(obj)
            for attr in state.mapper.column_attrs:
                if attr.key in skip:
                    continue
                history = state.attrs[attr.key].history
                if not history.has_changes() or not history.deleted:
                    continue
                old, new = (
                    render(history.deleted[0]),
                    render(history.added[0] if history.added else None),
                )
                if old != new:
                    rows.append(
                        {
                            "action": "update",
                            "entity": table,
                            "entity_id": _entity_id(obj),
                            "field": attr.key,
                            "old_value": old,
                            "new_value": new,
                        }
                    )
        for obj in session.deleted:
            if _audited(obj):
                table = inspect(obj).mapper.local_table.name
                rows.append(
                    {
                        "action": "delete",
                        "entity": table,
                        "entity_id": _entity_id(obj),
                        "old_value": _snapshot(obj),
                    }
                )
        record(session, rows)
