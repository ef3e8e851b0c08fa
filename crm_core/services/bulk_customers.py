"""Writing many customers at once (import), with SQLAlchemy Core: one INSERT per batch."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import insert, select

from crm_core import audit_trail, i18n
from crm_core.changes import CustomerChange
from crm_core.context import Context
from crm_core.db import table_of
from crm_core.errors import ValidationError
from crm_core.models import KINDS, Customer, OwnershipPeriod, User
from crm_core.normalize import name_key, phone_key
from crm_core.services import customers
from crm_core.services.common import chunks, manages

_customers = table_of(Customer)
_users = table_of(User)

KIND_LABELS = {
    "客户": "customer",
    "供应商": "supplier",
    "合作伙伴": "partner",
    "伙伴": "partner",
    "代理商": "agent",
    "经销商": "agent",
    "竞争对手": "competitor",
}


def parse_kind(text: str) -> str:
    kind = KIND_LABELS.get(text, text.casefold())
    if kind not in KINDS:
        raise ValueError(f"unknown kind {text!r}")
    return kind


def check(ctx: Context, rows: list[dict[str, Any]]) -> list[str]:
    """Every problem with these rows against each other and the database; fills in the keys."""
    errors: list[str] = []
    keys: dict[str, int] = {}
    phones: dict[str, int] = {}
    for row in rows:
        try:
            row["name_key"] = name_key(row["name"])
            row["phone_key"] = phone_key(row.get("phone"))
        except ValidationError as exc:
            errors.append(f"{i18n._('row {row}', row=row['_row'])}: {exc}")
            continue
        for seen, key in ((keys, row["name_key"]), (phones, row["phone_key"])):
            if key is None:
                continue
            if key in seen:
                errors.append(
                    f"{i18n._('row {row}', row=row['_row'])}: same customer as row {seen[key]}"
                )
            else:
                seen[key] = row["_row"]
    for batch in chunks(list(keys)):
        errors += _already_registered(ctx, _customers.c.name_key, {k: keys[k] for k in batch})
    for batch in chunks(list(phones)):
        errors += _already_registered(ctx, _customers.c.phone_key, {k: phones[k] for k in batch})
    _owners(ctx, rows, errors)
    return errors


def write(ctx: Context, rows: list[dict[str, Any]]) -> int:
    """Insert one batch of checked customer rows with one INSERT ... RETURNING."""
    errors: list[str] = []
    owners = _owners(ctx, rows, errors)
    if errors or any("name_key" not in row for row in rows):
        errors += check(ctx, rows)
    if errors:
        from crm_core.services.importing import ImportRejected

        raise ImportRejected(errors, len(rows))
    changes = [
        CustomerChange(
            None,
            None,
            {**_fields(row), "owner_id": owners[row["_row"]]},
            label=f"row {row['_row']}",
        )
        for row in rows
    ]
    ctx.hook.crm_validate_customer_changes(ctx=ctx, changes=changes)
    now = ctx.now()
    values = [
        {
            **change.after,
            "kind": change.after.get("kind") or "customer",
            "level": change.after.get("level") or "lead",
            "name_key": row["name_key"],
            "phone_key": row["phone_key"],
            "created_by_id": ctx.actor.id,
            "created_at": now,
            "updated_at": now,
        }
        for row, change in zip(rows, changes, strict=True)
    ]
    ids = list(ctx.session.scalars(insert(_customers).returning(_customers.c.id), values))
    ctx.session.execute(
        insert(table_of(OwnershipPeriod)),
        [
            {
                "customer_id": cid,
                "owner_id": v["owner_id"],
                "started_at": now,
                "ended_at": None,
                "reason": "imported",
            }
            for cid, v in zip(ids, values, strict=True)
        ],
    )
    audit_trail.record(
        ctx.session,
        [
            {
                "action": "import",
                "entity": "crm_customer",
                "entity_id": str(cid),
                "new_value": audit_trail.render(
                    {k: audit_trail.render(v) for k, v in change.after.items()}
                ),
            }
            for cid, change in zip(ids, changes, strict=True)
        ],
    )
    ctx.hook.crm_customers_created(ctx=ctx, customer_ids=ids)
    return len(ids)


def _fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """Every editable field (None when absent): a bulk INSERT needs the same keys in each row."""
    return {f: row.get(f) for f in customers.EDITABLE}


def _already_registered(ctx: Context, column: Any, lookup: dict[str, int]) -> list[str]:
    """System-rights existence check: reveals only who holds each matching customer."""
    errors: list[str] = []
    found = ctx.session.execute(
        select(column, _customers.c.name, _users.c.name, _users.c.login)
        .outerjoin(_users, _users.c.id == _customers.c.owner_id)
        .where(column.in_(list(lookup)))
    )
    for key, name, owner_name, owner_login in found:
        owner = f"{owner_name} ({owner_login})" if owner_login else i18n._("the shared pool")
        errors.append(
            f"{i18n._('row {row}', row=lookup[key])}: {customers.Registration(0, name, owner).message}"
        )
    return errors


def _owners(ctx: Context, rows: list[dict[str, Any]], errors: list[str]) -> dict[int, int | None]:
    logins = {row["owner"] for row in rows if row.get("owner")}
    users = {u.login: u for u in ctx.session.scalars(select(User).where(User.login.in_(logins)))}
    owners: dict[int, int | None] = {}
    for row in rows:
        login = row.get("owner")
        if not login:
            owners[row["_row"]] = ctx.actor.id
            continue
        user = users.get(login)
        if user is None:
            errors.append(f"{i18n._('row {row}', row=row['_row'])}: no user {login}")
        elif not manages(ctx, user):
            errors.append(
                f"{i18n._('row {row}', row=row['_row'])}: {ctx.actor.login} may not register customers for {login}"
            )
        else:
            owners[row["_row"]] = user.id
    return owners


def export(ctx: Context) -> Iterator[Mapping[str, Any]]:
    after = 0
    while True:
        page = customers.list_page(ctx, customers.CustomerFilter(), after_id=after, limit=1000)
        if not page:
            return
        for customer, owner in page:
            yield {**{f: getattr(customer, f) for f in customers.EDITABLE}, "owner": owner}
        after = page[-1][0].id
