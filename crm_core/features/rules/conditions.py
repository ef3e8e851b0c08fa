"""Rule conditions: `FIELD OP VALUE`, all of which must hold for a record.

FIELD is a column of the event's entity (from the model's mapped columns: an allowlist),
`custom.NAME` for a custom field, or `owner` (the owner's login; customer-scoped records use
their customer's). Operators: = != > >= < <= in not-in contains empty not-empty. Values are
compared as numbers when both sides are numbers, as dates for date columns, else as text.
Records are read with system rights: rules are the deployment's configuration, not a user's view.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs
from sqlalchemy import select

from crm_core.foundation import i18n
from crm_core.foundation.errors import ValidationError
from crm_core.foundation.schema import table_of
from crm_core.hooks.context import Context
from crm_core.hooks.entities import Entity
from crm_core.kernel.models import Customer, CustomField, CustomValue, User
from crm_core.services import custom_fields

OPERATORS = ("=", "!=", ">", ">=", "<", "<=", "in", "not-in", "contains", "empty", "not-empty")
_SYMBOLIC = re.compile(r"^\s*([^\s<>=!]+)\s*(>=|<=|!=|=|>|<)\s*(.*?)\s*$")
_WORDS = re.compile(r"^\s*(\S+)\s+(in|not-in|contains|empty|not-empty)\b\s*(.*?)\s*$")
_values = table_of(CustomValue)
_users = table_of(User)
_customers = table_of(Customer)


@attrs.frozen
class Condition:
    field: str
    op: str
    value: str = ""

    def __str__(self) -> str:
        if self.op in {"empty", "not-empty"}:
            return f"{self.field} {self.op}"
        spacer = " " if self.op in {"in", "not-in", "contains"} else ""
        return f"{self.field}{spacer}{self.op}{spacer}{self.value}"

    def as_list(self) -> list[str]:
        return [self.field, self.op, self.value]


def parse(text: str) -> Condition:
    match = _WORDS.match(text) or _SYMBOLIC.match(text)
    if match is None:
        raise ValidationError(
            i18n._(
                "Condition {given!r}: write FIELD OP VALUE, OP one of {ops}.",
                given=text,
                ops=" ".join(OPERATORS),
            )
        )
    field, op, value = match.group(1), match.group(2), match.group(3)
    if op in {"empty", "not-empty"} and value:
        raise ValidationError(
            i18n._("Condition {given!r}: {op} takes no value.", given=text, op=op)
        )
    return Condition(field, op, value)


def check_fields(ctx: Context, entity: Entity, conditions: Sequence[Condition]) -> None:
    """Refuse a condition naming a field the entity does not have."""
    for condition in conditions:
        if condition.field == "owner":
            continue
        if condition.field.startswith(custom_fields.PREFIX):
            custom_fields.field_named(
                ctx, entity.name, condition.field[len(custom_fields.PREFIX) :]
            )
        else:
            entity.column(condition.field)


def facts(ctx: Context, entity: Entity, record_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Each record's columns, owner login and custom values (system rights, Core queries)."""
    table = entity.model.__table__
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(record_ids), 500):
        batch = list(record_ids[start : start + 500])
        for row in ctx.session.execute(select(table).where(table.c.id.in_(batch))):
            found[row.id] = dict(row._mapping)
    _add_owners(ctx, found)
    active = {
        f.id: f
        for f in ctx.session.scalars(
            select(CustomField).where(
                CustomField.entity == entity.name, CustomField.archived_at.is_(None)
            )
        )
    }
    if active and found:
        ids = list(found)
        for start in range(0, len(ids), 500):
            for record_id, field_id, text in ctx.session.execute(
                select(_values.c.record_id, _values.c.field_id, _values.c.text).where(
                    _values.c.field_id.in_(list(active)),
                    _values.c.record_id.in_(ids[start : start + 500]),
                )
            ):
                field = active[field_id]
                found[record_id][custom_fields.PREFIX + field.name] = custom_fields.shown(
                    field, text
                )
    return found


def _add_owners(ctx: Context, found: dict[int, dict[str, Any]]) -> None:
    owner_ids: dict[int, int | None] = {}
    customer_ids = {
        r["customer_id"] for r in found.values() if "customer_id" in r and "owner_id" not in r
    }
    by_customer: dict[int, int | None] = {}
    if customer_ids:
        by_customer = {
            row[0]: row[1]
            for row in ctx.session.execute(
                select(_customers.c.id, _customers.c.owner_id).where(
                    _customers.c.id.in_(list(customer_ids))
                )
            )
        }
    for record_id, row in found.items():
        if "owner_id" in row:
            owner_ids[record_id] = row["owner_id"]
        elif "customer_id" in row:
            owner_ids[record_id] = by_customer.get(row["customer_id"])
    users = {o for o in owner_ids.values() if o is not None}
    logins: dict[int, str] = {}
    if users:
        query = select(_users.c.id, _users.c.login).where(_users.c.id.in_(users))
        logins = {row[0]: row[1] for row in ctx.session.execute(query)}
    for record_id, row in found.items():
        owner = owner_ids.get(record_id)
        row["owner"] = logins.get(owner) if owner is not None else None


def holds(condition: Condition, record: Mapping[str, Any]) -> bool:
    actual = record.get(condition.field)
    op, wanted = condition.op, condition.value
    if op == "empty":
        return actual is None or actual == ""
    if op == "not-empty":
        return not (actual is None or actual == "")
    if actual is None:
        return op in {"!=", "not-in"}
    if op in {"in", "not-in"}:
        options = [w.strip() for w in re.split(r"[,，]", wanted) if w.strip()]
        inside = any(_compare(actual, option) == 0 for option in options)
        return inside if op == "in" else not inside
    if op == "contains":
        return wanted.casefold() in str(actual).casefold()
    order = _compare(actual, wanted)
    if order is None:
        return op == "!="
    return {
        "=": order == 0,
        "!=": order != 0,
        ">": order > 0,
        ">=": order >= 0,
        "<": order < 0,
        "<=": order <= 0,
    }[op]


def _compare(actual: Any, wanted: str) -> int | None:
    """-1, 0, 1 comparing a stored value with typed text; None when they cannot be compared."""
    left: Any
    right: Any
    if isinstance(actual, bool):
        left, right = actual, wanted.strip().casefold() in custom_fields.TRUE
    elif isinstance(actual, int | float | Decimal):
        try:
            left, right = Decimal(str(actual)), Decimal(wanted.strip())
        except InvalidOperation:
            return None
    elif isinstance(actual, datetime):
        try:
            left, right = actual.date(), date.fromisoformat(wanted.strip())
        except ValueError:
            return None
    elif isinstance(actual, date):
        try:
            left, right = actual, date.fromisoformat(wanted.strip())
        except ValueError:
            return None
    else:
        left, right = str(actual).strip().casefold(), wanted.strip().casefold()
    return int(left > right) - int(left < right)
