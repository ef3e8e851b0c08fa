"""Daily exchange with an ERP: export what changed since a moment, import statuses idempotently.

What changed is read from the audit log (every write leaves a row there by construction), so
any entity can take part without an `updated_at` column. Each kind of item is declared through
`crm_register_sync_kinds`: the core exports customers; plugins export their records and apply
ERP items (order status, payments). Importing is all-or-nothing and idempotent: an item whose
(kind, id) was applied before with the same content is skipped.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
from sqlalchemy import select

from crm_core.foundation import i18n
from crm_core.foundation.errors import CrmError, PermissionDenied, ValidationError
from crm_core.foundation.files import replace_file
from crm_core.foundation.jsontext import read_json
from crm_core.foundation.schema import table_of
from crm_core.foundation.text_files import read_text_file
from crm_core.hooks.context import Context
from crm_core.hooks.sync import SYNC_KINDS, SyncKind
from crm_core.kernel.models import AuditEntry, Setting, SyncReceipt

LAST_EXPORT_KEY = "sync.last_export"
SHOWN_ERRORS = 5
_audit = table_of(AuditEntry)


def registry(ctx: Context) -> Mapping[str, SyncKind]:
    """Every synckind the core and the enabled plugins registered, by name."""
    return ctx.registry(SYNC_KINDS)


def changed_ids(ctx: Context, tables: Sequence[str], since: datetime) -> list[int]:
    """Ids of rows of `tables` with an audit entry at or after `since` (the change feed)."""
    query = (
        select(_audit.c.entity_id)
        .where(_audit.c.at >= since, _audit.c.entity.in_(list(tables)))
        .distinct()
    )
    return sorted(int(i) for i in ctx.session.scalars(query) if str(i).isdigit())


# -- export --------------------------------------------------------------------------------------


def export_mark(ctx: Context, kinds: Sequence[str] = ()) -> str:
    """Where an export records how far it got. The integration's export (an admin's, of every
    kind) moves the deployment's mark, which the ERP's `--since last` reads; anyone else's
    export, or one of some kinds only, keeps a mark of its own, so it never makes the ERP miss
    a change."""
    if ctx.actor.is_admin and not kinds:
        return LAST_EXPORT_KEY
    which = hashlib.sha256(",".join(sorted(kinds)).encode()).hexdigest()[:12] if kinds else "all"
    return f"{LAST_EXPORT_KEY}.{ctx.actor.login[:60]}:{which}"


def parse_since(ctx: Context, text: str, kinds: Sequence[str] = ()) -> datetime:
    """An ISO date or moment (local time), or "last": where the previous export of the same
    kind (`export_mark`) ended."""
    text = text.strip()
    if text == "last":
        stored = ctx.session.get(Setting, export_mark(ctx, kinds))
        if stored is None:
            raise ValidationError(i18n._("No export ran yet; give --since a date."))
        return datetime.fromisoformat(str(stored.value))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            i18n._(
                "--since wants a date (2026-11-01), a moment or last, not {given!r}.", given=text
            )
        ) from None
    if not 1900 <= moment.year <= 2999:
        raise ValidationError(
            i18n._(
                "--since wants a date (2026-11-01), a moment or last, not {given!r}.", given=text
            )
        )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ctx.zone)
    return moment.astimezone(UTC)


def export(ctx: Context, since: datetime, path: Path, kinds: Sequence[str] = ()) -> dict[str, int]:
    """Write a JSON document of the records changed since `since`; {kind: count}."""
    known = {k: v for k, v in registry(ctx).items() if v.export is not None}
    unknown = sorted(set(kinds) - set(known))
    if unknown:
        raise ValidationError(
            i18n._(
                "Cannot export {kinds}; known: {known}.",
                kinds=", ".join(unknown),
                known=", ".join(sorted(known)),
            )
        )
    until = ctx.now()
    document: dict[str, Any] = {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "exported_by": ctx.actor.login,
        "kinds": {},
    }
    counts: dict[str, int] = {}
    for name, kind in sorted(known.items()):
        if kinds and name not in kinds:
            continue
        assert kind.export is not None
        rows = [dict(r) for r in kind.export(ctx, since)]
        document["kinds"][name] = rows
        counts[name] = len(rows)
    text = json.dumps(document, ensure_ascii=False, indent=1, default=_jsonable)
    replace_file(path, text.encode("utf-8"))
    mark = export_mark(ctx, kinds)
    stored = ctx.session.get(Setting, mark)
    if stored is None:
        ctx.session.add(Setting(key=mark, value=until.isoformat()))
    else:
        stored.value = until.isoformat()
    ctx.session.flush()
    return counts


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


# -- import --------------------------------------------------------------------------------------


@attrs.frozen
class SyncResult:
    applied: dict[str, int]
    unchanged: int


def read_items(path: Path) -> list[dict[str, Any]]:
    """Items from JSON ({"items": [...]} or a list), JSON Lines, or CSV with a `kind` column."""
    text = read_text_file(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return [dict(row) for row in csv.DictReader(io.StringIO(text))]
        if suffix == ".jsonl":
            return [
                read_json(line, f"{path.name}, line {n}")
                for n, line in enumerate(text.splitlines(), 1)
                if line.strip()
            ]
        document = read_json(text, path.name)
    except (json.JSONDecodeError, csv.Error) as exc:
        raise ValidationError(
            i18n._("{file} is not valid: {reason}", file=path.name, reason=exc)
        ) from None
    items = document.get("items") if isinstance(document, dict) else document
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ValidationError(i18n._("{file} holds no list of items.", file=path.name))
    return items


def require_importer(ctx: Context) -> None:
    """Only admins and holders of `erp-sync` apply ERP items; checked before a file is read."""
    if not (ctx.actor.is_admin or ctx.actor.has("erp-sync")):
        raise PermissionDenied(
            i18n._("{login} may not import ERP data (needs erp-sync).", login=ctx.actor.login)
        )


def import_items(ctx: Context, items: Sequence[Mapping[str, Any]]) -> SyncResult:
    """Apply items in the caller's transaction; any refused item refuses them all."""
    require_importer(ctx)
    kinds = registry(ctx)
    applied: dict[str, int] = {}
    unchanged = 0
    errors: list[str] = []
    for number, item in enumerate(items, start=1):
        try:
            outcome = _apply_one(ctx, kinds, item)
        except CrmError as exc:
            errors.append(i18n._("item {n}: {reason}", n=number, reason=exc))
            continue
        if outcome is None:
            unchanged += 1
        else:
            applied[outcome] = applied.get(outcome, 0) + 1
    if errors:
        shown = "; ".join(errors[:SHOWN_ERRORS])
        more = f" (+{len(errors) - SHOWN_ERRORS})" if len(errors) > SHOWN_ERRORS else ""
        raise ValidationError(
            i18n._("Nothing imported: {count} items refused.", count=len(errors))
            + f" {shown}{more}"
        )
    return SyncResult(applied, unchanged)


def _apply_one(ctx: Context, kinds: Mapping[str, SyncKind], item: Mapping[str, Any]) -> str | None:
    name = str(item.get("kind") or "").strip()
    kind = kinds.get(name)
    if kind is None or kind.apply is None:
        importable = sorted(k for k, v in kinds.items() if v.apply is not None)
        raise ValidationError(
            i18n._(
                "kind {kind!r} cannot be imported; known: {known}",
                kind=name,
                known=", ".join(importable),
            )
        )
    external = str(item.get("id") or "").strip()
    missing = [k for k in ("id", *kind.required) if not str(item.get(k) or "").strip()]
    if missing:
        raise ValidationError(
            i18n._(
                "{kind} {id}: missing {fields}", kind=name, id=external, fields=", ".join(missing)
            )
        )
    digest = hashlib.sha256(
        json.dumps(dict(item), sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()
    receipt = ctx.session.scalar(
        select(SyncReceipt).where(SyncReceipt.kind == name, SyncReceipt.external_id == external)
    )
    if receipt is not None and receipt.digest == digest:
        return None
    with ctx.session.begin_nested():
        try:
            kind.apply(ctx, item)
        except CrmError as exc:
            raise type(exc)(f"{name} {external}: {exc}") from exc
        if receipt is None:
            ctx.session.add(SyncReceipt(kind=name, external_id=external, digest=digest))
        else:
            receipt.digest = digest
            receipt.applied_at = ctx.now()
        ctx.session.flush()
    return name
