"""Custom fields: define, validate, store, read, filter, and carry through import and export.

Values live in one table keyed by (field, record). They are only ever read joined to their
record through the ORM (`values_for`, `matching`), so the visibility policy that hides a record
hides its custom values too: there is no path that reads a value without its record.
Writes are audited as a change of the record's field `custom.NAME`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs
from sqlalchemy import ColumnElement, and_, delete, func, select

from crm_core.foundation import i18n
from crm_core.foundation.errors import DuplicateError, NotFound, PermissionDenied, ValidationError
from crm_core.foundation.schema import table_of
from crm_core.foundation.types import utcnow
from crm_core.hooks.context import Context
from crm_core.hooks.entities import Entity
from crm_core.hooks.importers import IMPORTERS, Column, Importer, ImportRow
from crm_core.hooks.picklists import Choice
from crm_core.kernel import audit_trail, bulk
from crm_core.kernel.models import FIELD_TYPES, CustomField, CustomValue
from crm_core.services import picklists
from crm_core.services.entities import entity_named, registry, require_may_edit, visible_record

_values = table_of(CustomValue)
NAME = re.compile(r"^[^\W\d]\w{0,63}$")
#: Prefix of a custom field in audit rows, rule conditions and filters ("custom.budget").
PREFIX = "custom."
TRUE = {"true", "yes", "y", "1", "是", "对", "✓", "√", "t"}
FALSE = {"false", "no", "n", "0", "否", "不", "×", "f"}
MAX_TEXT = 1000
OPERATORS = ("=", "!=", ">", ">=", "<", "<=")
_CACHE_KEY = "crm_custom_fields"


@attrs.frozen
class Stored:
    """A value in its stored form: canonical text, and the number for int/decimal."""

    text: str
    number: Decimal | None = None


# -- definitions ---------------------------------------------------------------------------------


def _require_admin(ctx: Context) -> None:
    if not ctx.actor.is_admin:
        raise PermissionDenied(i18n._("Only an admin may define custom fields."))


def define(
    ctx: Context,
    entity_name: str,
    name: str,
    type_: str,
    *,
    choices: Sequence[str] = (),
    required: bool = False,
    label: str | None = None,
    label_zh: str | None = None,
) -> CustomField:
    _require_admin(ctx)
    entity = entity_named(ctx, entity_name)
    if type_ not in FIELD_TYPES:
        raise ValidationError(
            i18n._("Field type must be one of {types}.", types=", ".join(FIELD_TYPES))
        )
    if not NAME.match(name):
        raise ValidationError(
            i18n._(
                "Field name {name!r}: letters, digits and _ only, starting with a letter.",
                name=name,
            )
        )
    if name in entity.column_names() or name in _importer_columns(ctx, entity.name):
        raise ValidationError(
            i18n._("{entity} already has a field {name}.", entity=entity.name, name=name)
        )
    existing = ctx.session.scalar(
        select(CustomField).where(CustomField.entity == entity.name, CustomField.name == name)
    )
    if existing is not None:
        if existing.archived_at is not None:
            raise DuplicateError(
                i18n._(
                    "{entity}.{name} was removed and its values kept; `crm fields restore {entity} {name}` brings it back.",
                    entity=entity.name,
                    name=name,
                )
            )
        raise DuplicateError(
            i18n._("{entity} already has a field {name}.", entity=entity.name, name=name)
        )
    if type_ == "choice" and not choices:
        raise ValidationError(i18n._("A choice field needs --choices."))
    if type_ != "choice" and choices:
        raise ValidationError(i18n._("Only a choice field takes --choices."))
    position = ctx.session.scalar(
        select(func.coalesce(func.max(CustomField.position), -1)).where(
            CustomField.entity == entity.name
        )
    )
    field = CustomField(
        entity=entity.name,
        name=name,
        type=type_,
        label=label or name,
        label_zh=label_zh,
        required=required,
        position=int(position or 0) + 1,
    )
    ctx.session.add(field)
    ctx.session.flush()
    _forget(ctx)
    if type_ == "choice":
        codes = [c.strip() for c in choices if c.strip()]
        if len(set(codes)) != len(codes):
            raise ValidationError(i18n._("--choices repeats a value."))
        picklists.seed(ctx, f"{entity.name}.{name}", [Choice(code, code, code) for code in codes])
    return field


def _importer_columns(ctx: Context, entity: str) -> set[str]:
    found = ctx.registry(IMPORTERS).get(entity)
    return {c.name for c in found.columns} if found else set()


def fields(ctx: Context, entity: str, *, archived: bool = False) -> list[CustomField]:
    """The entity's custom fields in order: active ones, or with `archived` the removed ones.

    Looked up once per unit of work (defining, removing or restoring a field forgets it).
    """
    cache: dict[tuple[str, bool], list[CustomField]] = ctx.session.info.setdefault(_CACHE_KEY, {})
    key = (entity, archived)
    if key not in cache:
        condition = (
            CustomField.archived_at.is_not(None) if archived else CustomField.archived_at.is_(None)
        )
        cache[key] = list(
            ctx.session.scalars(
                select(CustomField)
                .where(CustomField.entity == entity, condition)
                .order_by(CustomField.position, CustomField.id)
            )
        )
    return list(cache[key])


def _forget(ctx: Context) -> None:
    ctx.session.info.pop(_CACHE_KEY, None)
    picklists.forget(ctx)


def field_named(ctx: Context, entity: str, name: str, *, archived: bool = False) -> CustomField:
    """An active field by name or by either label."""
    wanted = name.strip().casefold()
    for field in fields(ctx, entity, archived=archived):
        if wanted in {
            field.name.casefold(),
            field.label.casefold(),
            (field.label_zh or "").casefold(),
        }:
            return field
    raise NotFound(i18n._("{entity} has no custom field {name}.", entity=entity, name=name))


def archive(ctx: Context, entity: str, name: str) -> int:
    """Remove a field from use. Its values stay, hidden, for `restore`; returns how many."""
    _require_admin(ctx)
    field = field_named(ctx, entity, name)
    field.archived_at = utcnow()
    ctx.session.flush()
    _forget(ctx)
    audit_trail.record(
        ctx.session,
        [
            {
                "action": "archive",
                "entity": "crm_custom_field",
                "entity_id": str(field.id),
                "field": field.name,
                "old_value": field.entity,
            }
        ],
    )
    return _count(ctx, field)


def restore(ctx: Context, entity: str, name: str) -> int:
    _require_admin(ctx)
    field = field_named(ctx, entity, name, archived=True)
    field.archived_at = None
    ctx.session.flush()
    _forget(ctx)
    audit_trail.record(
        ctx.session,
        [
            {
                "action": "restore",
                "entity": "crm_custom_field",
                "entity_id": str(field.id),
                "field": field.name,
                "new_value": field.entity,
            }
        ],
    )
    return _count(ctx, field)


def _count(ctx: Context, field: CustomField) -> int:
    return int(ctx.session.scalar(select(func.count()).where(_values.c.field_id == field.id)) or 0)


def title(field: CustomField) -> str:
    """The field's label in the current language."""
    return field.label_zh if i18n.language() == "zh" and field.label_zh else field.label


# -- values --------------------------------------------------------------------------------------


def parser(ctx: Context, field: CustomField) -> Callable[[str], Stored]:
    """A function from typed text to the stored form; raises ValidationError with the reason."""
    resolve = (
        picklists.resolver(ctx, f"{field.entity}.{field.name}") if field.type == "choice" else None
    )

    def parse(raw: str) -> Stored:
        text = str(raw).strip()
        try:
            return _parse(field.type, text, resolve)
        except (ValueError, InvalidOperation) as exc:
            raise ValidationError(f"{title(field)}: {exc}") from None
        except ValidationError as exc:
            raise ValidationError(f"{title(field)}: {exc}") from None

    return parse


#: The largest number a custom field holds: exact in every database's numeric type and in a sum
#: over a million records.
NUMBER_MOST = Decimal(10) ** 12


def _number(text: str) -> Decimal:
    """A number as people write it ("120,000", "1.5"), finite and at most NUMBER_MOST."""
    try:
        number = Decimal(text.replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise ValueError(i18n._("{value!r} is not a number", value=text[:40])) from None
    if not number.is_finite():
        raise ValueError(i18n._("{value!r} is not a number", value=text[:40]))
    if abs(number) > NUMBER_MOST:
        raise ValueError(
            i18n._("{value} is larger than {limit}", value=text[:40], limit=f"{NUMBER_MOST:,}")
        )
    return number


def _day(text: str) -> date:
    try:
        day = date.fromisoformat(text.replace("/", "-").replace(".", "-")[:10])
    except ValueError:
        raise ValueError(i18n._("{value!r} is not a date (YYYY-MM-DD)", value=text[:40])) from None
    if not 1900 <= day.year <= 2999:
        raise ValueError(i18n._("{value!r} is not a date (YYYY-MM-DD)", value=text[:40]))
    return day


def _parse(type_: str, text: str, resolve: Callable[[str], str] | None) -> Stored:
    if type_ == "text":
        if len(text) > MAX_TEXT:
            raise ValueError(i18n._("longer than {limit} characters", limit=MAX_TEXT))
        return Stored(text)
    if type_ == "int":
        number = _number(text)
        if number != number.to_integral_value():
            raise ValueError(i18n._("{value!r} is not a whole number", value=text))
        return Stored(str(int(number)), number)
    if type_ == "decimal":
        number = _number(text)
        return Stored(format(number.normalize(), "f"), number)
    if type_ == "date":
        return Stored(_day(text).isoformat())
    if type_ == "bool":
        folded = text.casefold()
        if folded in TRUE:
            return Stored("true")
        if folded in FALSE:
            return Stored("false")
        raise ValueError(i18n._("{value!r} is not yes or no", value=text))
    assert type_ == "choice"
    return Stored(resolve(text) if resolve is not None else text)


def shown(field: CustomField, text: str) -> Any:
    """A stored text as a Python value for output (int, Decimal, date, bool or str)."""
    if field.type == "int":
        return int(text)
    if field.type == "decimal":
        return Decimal(text)
    if field.type == "date":
        return date.fromisoformat(text)
    if field.type == "bool":
        return text == "true"
    return text


def exact(number: Any) -> Any:
    """A summed value without float noise (SQLite sums NUMERIC as REAL)."""
    if isinstance(number, float):
        return Decimal(repr(number)).normalize()
    return number


def set_values(
    ctx: Context, entity_name: str, record_id: int, values: Mapping[str, str | None]
) -> dict[str, tuple[Any, Any]]:
    """Set (or with None/"" clear) custom values of one visible record; {name: (old, new)}."""
    entity = entity_named(ctx, entity_name)
    record = visible_record(ctx, entity, record_id)
    require_may_edit(ctx, entity, record)
    return write(ctx, entity, [(record_id, dict(values))])[record_id] if values else {}


def write(
    ctx: Context,
    entity: Entity,
    items: Sequence[tuple[int, Mapping[str, str | None]]],
    *,
    action: str = "update",
) -> dict[int, dict[str, tuple[Any, Any]]]:
    """Write custom values of many records (by field name or label); audited per changed value.

    The caller has checked the records are the user's to change. Required fields may not be
    cleared. Returns {record_id: {field: (old, new)}} for what changed.
    """
    by_name = {f.name: f for f in fields(ctx, entity.name)}
    parsers: dict[int, Callable[[str], Stored]] = {}
    wanted: dict[tuple[int, int], Stored | None] = {}
    for record_id, values in items:
        for key, raw in values.items():
            field = by_name.get(key) or field_named(ctx, entity.name, key)
            if raw is None or not str(raw).strip():
                if field.required:
                    raise ValidationError(i18n._("{field} is required.", field=title(field)))
                wanted[(field.id, record_id)] = None
                continue
            parse = parsers.get(field.id)
            if parse is None:
                parse = parsers[field.id] = parser(ctx, field)
            wanted[(field.id, record_id)] = parse(str(raw))
    if not wanted:
        return {}
    old = _stored_values(ctx, list(wanted))
    by_id = {f.id: f for f in by_name.values()}
    changes: dict[int, dict[str, tuple[Any, Any]]] = {}
    inserts: list[dict[str, Any]] = []
    removals: list[tuple[int, int]] = []
    audit: list[dict[str, Any]] = []
    for (field_id, record_id), new in wanted.items():
        before = old.get((field_id, record_id))
        if (before.text if before else None) == (new.text if new else None):
            continue
        if before is not None:
            removals.append((field_id, record_id))
        if new is not None:
            inserts.append(
                {
                    "field_id": field_id,
                    "record_id": record_id,
                    "text": new.text,
                    "number": new.number,
                }
            )
        field = by_id[field_id]
        changes.setdefault(record_id, {})[field.name] = (
            shown(field, before.text) if before else None,
            shown(field, new.text) if new else None,
        )
        audit.append(
            {
                "action": action,
                "entity": entity.model.__tablename__,
                "entity_id": str(record_id),
                "field": PREFIX + field.name,
                "old_value": before.text if before else None,
                "new_value": new.text if new else None,
            }
        )
    for field_id in {f for f, _ in removals}:
        ids = [r for f, r in removals if f == field_id]
        for start in range(0, len(ids), 500):
            ctx.session.execute(
                delete(_values).where(
                    _values.c.field_id == field_id,
                    _values.c.record_id.in_(ids[start : start + 500]),
                )
            )
    bulk.insert_rows(ctx.session, _values, inserts, with_ids=False)
    audit_trail.record(ctx.session, audit)
    return changes


def write_new(
    ctx: Context, entity_name: str, record_id: int, values: Mapping[str, str | None]
) -> None:
    """Values for a record just created; refused when a required field is missing."""
    if not values and not any(f.required for f in fields(ctx, entity_name)):
        return
    entity = entity_named(ctx, entity_name)
    given = {field_named(ctx, entity_name, k).name: v for k, v in values.items()}
    missing = [
        title(f)
        for f in fields(ctx, entity_name)
        if f.required and not (given.get(f.name) or "").strip()
    ]
    if missing:
        raise ValidationError(i18n._("{field} is required.", field=", ".join(missing)))
    if given:
        write(ctx, entity, [(record_id, given)], action="create")


def _stored_values(ctx: Context, keys: list[tuple[int, int]]) -> dict[tuple[int, int], Stored]:
    found: dict[tuple[int, int], Stored] = {}
    by_field: dict[int, list[int]] = {}
    for field_id, record_id in keys:
        by_field.setdefault(field_id, []).append(record_id)
    for field_id, ids in by_field.items():
        for start in range(0, len(ids), 500):
            for record_id, text, number in ctx.session.execute(
                select(_values.c.record_id, _values.c.text, _values.c.number).where(
                    _values.c.field_id == field_id,
                    _values.c.record_id.in_(ids[start : start + 500]),
                )
            ):
                found[(field_id, record_id)] = Stored(text, number)
    return found


def values_for(
    ctx: Context, entity_name: str, record_ids: Iterable[int]
) -> dict[int, dict[str, Any]]:
    """{record_id: {field name: value}} for the records the acting user may see."""
    active = fields(ctx, entity_name)
    ids = list(record_ids)
    if not active or not ids:
        return {}
    entity = entity_named(ctx, entity_name)
    by_id = {f.id: f for f in active}
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        # An ORM select of the model: the visibility criteria apply to the joined record.
        query = (
            select(CustomValue.record_id, CustomValue.field_id, CustomValue.text)
            .join(entity.model, entity.model.id == CustomValue.record_id)
            .where(
                CustomValue.field_id.in_(list(by_id)),
                CustomValue.record_id.in_(ids[start : start + 500]),
            )
        )
        for record_id, field_id, text in ctx.session.execute(query):
            field = by_id[field_id]
            found.setdefault(record_id, {})[field.name] = shown(field, text)
    return found


def columns_for(ctx: Context, entity_name: str) -> list[str]:
    return [f.name for f in fields(ctx, entity_name)]


def decorate(
    ctx: Context, entity_name: str, rows: list[dict[str, Any]], *, id_key: str = "id"
) -> list[str]:
    """Add each active custom field's value to output rows (in place); returns the field names."""
    names = columns_for(ctx, entity_name)
    if not names or not rows:
        return names
    found = values_for(ctx, entity_name, [row[id_key] for row in rows])
    for row in rows:
        extra = found.get(row[id_key], {})
        for name in names:
            row.setdefault(name, extra.get(name))
    return names


# -- filtering -----------------------------------------------------------------------------------

_CONDITION = re.compile(r"^\s*([^<>=!\s]+)\s*(>=|<=|!=|=|>|<)\s*(.*?)\s*$")


def parse_condition(text: str) -> tuple[str, str, str]:
    """'budget>=100000' -> ('budget', '>=', '100000')."""
    match = _CONDITION.match(text)
    if match is None:
        raise ValidationError(
            i18n._("{given!r}: write FIELD=VALUE (or !=, >, >=, <, <=).", given=text)
        )
    return match.group(1), match.group(2), match.group(3)


def matching(ctx: Context, entity: Entity, name: str, op: str, raw: str) -> ColumnElement[bool]:
    """SQL: the entity's record satisfies `custom field OP value` (for `.where()` on its model).

    Field names come from the field registry (an allowlist) and values are bound parameters.
    """
    field = field_named(ctx, entity.name, name)
    if op not in OPERATORS:
        raise ValidationError(i18n._("Unknown operator {op}.", op=op))
    base = and_(CustomValue.field_id == field.id, CustomValue.record_id == entity.model.id)
    if raw.strip() == "" and op in {"=", "!="}:
        exists = select(CustomValue.record_id).where(base).exists()
        return ~exists if op == "=" else exists
    stored = parser(ctx, field)(raw)
    if field.type in {"int", "decimal"}:
        column: Any = CustomValue.number
        value: Any = stored.number
    else:
        if op not in {"=", "!="} and field.type in {"bool", "choice"}:
            raise ValidationError(
                i18n._("{field} can only be compared with = or !=.", field=title(field))
            )
        column, value = CustomValue.text, stored.text
    compare = {
        "=": column == value,
        "!=": column != value,
        ">": column > value,
        ">=": column >= value,
        "<": column < value,
        "<=": column <= value,
    }[op]
    condition: ColumnElement[bool] = select(CustomValue.record_id).where(base, compare).exists()
    return condition


def where_clauses(
    ctx: Context, entity_name: str, conditions: Sequence[str]
) -> list[ColumnElement[bool]]:
    entity = entity_named(ctx, entity_name)
    return [matching(ctx, entity, *parse_condition(text)) for text in conditions]


# -- import and export ---------------------------------------------------------------------------


def extend_importer(ctx: Context, importer: Importer) -> Importer:
    """The importer with one more column per active custom field of its entity.

    Cells are validated per batch (choices need the database), values are written for the rows
    inserted or updated, and exports carry them. Exporters must yield each record's "id".
    """
    entity = registry(ctx).get(importer.entity)
    active = fields(ctx, importer.entity) if entity is not None else []
    if entity is None or not active:
        return importer
    columns = tuple(
        Column(
            f.name,
            tuple(a for a in (f.label, f.label_zh) if a),
            required=f.required,
            title=f.label_zh if i18n.language() == "zh" and f.label_zh else f.label,
        )
        for f in active
    )
    names = [f.name for f in active]
    base = importer

    def check(ctx: Context, rows: list[ImportRow]) -> None:
        parsers = {f.name: parser(ctx, f) for f in active}
        for row in rows:
            for name in names:
                raw = row.values.get(name)
                if raw:
                    try:
                        parsers[name](str(raw))
                    except ValidationError as exc:
                        row.reject(str(exc))
        if base.check is not None:
            live = [r for r in rows if r.ok]
            if live:
                base.check(ctx, live)

    def custom_of(row: ImportRow) -> dict[str, str | None]:
        return {n: row.values[n] for n in names if row.values.get(n)}

    def insert(ctx: Context, rows: list[ImportRow]) -> Sequence[int]:
        ids = list(base.insert(ctx, rows))
        done = [r for r in rows if r.ok]
        pairs = zip(ids, done if len(done) == len(ids) else rows, strict=True)
        write(ctx, entity, [(i, custom_of(r)) for i, r in pairs if custom_of(r)], action="import")
        return ids

    def update(ctx: Context, rows: list[ImportRow]) -> int:
        assert base.update is not None
        changed = base.update(ctx, rows)
        done = [r for r in rows if r.ok and r.existing is not None]
        custom = write(
            ctx,
            entity,
            [(r.existing.id, custom_of(r)) for r in done if r.existing and custom_of(r)],
        )
        return max(changed, len(custom))

    def export(ctx: Context, filters: Mapping[str, str]) -> Iterator[Mapping[str, Any]]:
        assert base.export is not None
        page: list[dict[str, Any]] = []
        for record in base.export(ctx, filters):
            page.append(dict(record))
            if len(page) >= 1000:
                yield from _with_values(ctx, page)
                page = []
        yield from _with_values(ctx, page)

    def _with_values(ctx: Context, page: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if page and "id" in page[0]:
            decorate(ctx, importer.entity, page)
        return page

    return attrs.evolve(
        importer,
        columns=(*importer.columns, *columns),
        check=check,
        insert=insert,
        update=update if importer.update is not None else None,
        export=export if importer.export is not None else None,
    )
