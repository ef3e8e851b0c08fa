"""Expenses recorded by person, department, category and customer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select

from crm_core import audit_trail
from crm_core.context import Context
from crm_core.db import table_of
from crm_core.errors import ValidationError
from crm_core.models import Customer, Team, User
from crm_core.normalize import name_key
from crm_core.services import customers
from crm_core.services.common import require_manages, user_by_login
from crm_core.services.products import parse_amount
from crm_customer_resources.models import Expense
from crm_customer_resources.models.expenses import EXPENSE_CATEGORIES


def record(
    ctx: Context,
    amount: Decimal | str,
    category: str,
    *,
    spent_on: date | None = None,
    customer_ref: str | None = None,
    for_login: str | None = None,
    notes: str | None = None,
) -> Expense:
    if category not in EXPENSE_CATEGORIES:
        raise ValidationError(f"category must be one of {', '.join(EXPENSE_CATEGORIES)}")
    money = parse_amount(amount, "amount")
    if money <= 0:
        raise ValidationError("an expense must be more than zero")
    person = user_by_login(ctx, for_login) if for_login else None
    if person is not None:
        require_manages(ctx, person, "record expenses")
    elif ctx.actor.id is None:
        raise ValidationError("record expenses as a user: pass --as LOGIN")
    person_id = person.id if person else ctx.actor.id
    team_id = person.team_id if person else ctx.actor.team_id
    customer_id = customers.get(ctx, customer_ref).id if customer_ref else None
    day = spent_on or ctx.today()
    if day > ctx.today():
        raise ValidationError("an expense cannot be in the future")
    expense = Expense(
        owner_id=person_id,
        team_id=team_id,
        category=category,
        customer_id=customer_id,
        amount=money,
        spent_on=day,
        notes=notes,
    )
    ctx.session.add(expense)
    ctx.session.flush()
    return expense


def list_page(ctx: Context, *, after_id: int = 0, limit: int = 50) -> list[dict[str, object]]:
    query = (
        select(Expense, User.login, Team.name, Customer.name)
        .join(User, User.id == Expense.owner_id)
        .outerjoin(Team, Team.id == Expense.team_id)
        .outerjoin(Customer, Customer.id == Expense.customer_id)
        .where(Expense.id > after_id)
        .order_by(Expense.id)
        .limit(limit)
    )
    return [
        {
            "id": e.id,
            "spent_on": e.spent_on,
            "user": login,
            "department": team,
            "category": e.category,
            "customer": customer,
            "amount": e.amount,
            "notes": e.notes,
        }
        for e, login, team, customer in ctx.session.execute(query)
    ]


# -- spreadsheet import (crm import expenses FILE) -------------------------------------------------


def parse_category(text: str) -> str:
    labels = {
        "差旅": "travel",
        "招待": "entertainment",
        "礼品": "gifts",
        "市场": "marketing",
        "通讯": "communication",
        "其他": "other",
    }
    category = labels.get(text, text.casefold())
    if category not in EXPENSE_CATEGORIES:
        raise ValueError(f"unknown category {text!r}")
    return category


def parse_day(text: str) -> date:
    return date.fromisoformat(text[:10])


def check_rows(ctx: Context, rows: list[dict[str, Any]]) -> list[str]:
    errors: list[str] = []
    logins = {r["user"] for r in rows}
    people = {u.login: u for u in ctx.session.scalars(select(User).where(User.login.in_(logins)))}
    keys = {name_key(r["customer"]) for r in rows if r.get("customer")}
    visible = dict(
        ctx.session.execute(
            select(Customer.name_key, Customer.id).where(Customer.name_key.in_(keys))
        ).all()
    )
    for row in rows:
        person = people.get(row["user"])
        if person is None:
            errors.append(f"row {row['_row']}: no user {row['user']}")
            continue
        try:
            require_manages(ctx, person, "record expenses")
        except Exception as exc:
            errors.append(f"row {row['_row']}: {exc}")
        if row.get("customer") and name_key(row["customer"]) not in visible:
            errors.append(f"row {row['_row']}: no customer {row['customer']}")
        if row["spent_on"] > ctx.today():
            errors.append(f"row {row['_row']}: spent_on is in the future")
        row["_owner"] = person
        row["_customer_id"] = (
            visible.get(name_key(row["customer"])) if row.get("customer") else None
        )
    return errors


def write_rows(ctx: Context, rows: list[dict[str, Any]]) -> int:
    table = table_of(Expense)
    values = [
        {
            "owner_id": r["_owner"].id,
            "team_id": r["_owner"].team_id,
            "category": r["category"],
            "customer_id": r["_customer_id"],
            "amount": r["amount"],
            "spent_on": r["spent_on"],
            "notes": r.get("notes"),
        }
        for r in rows
    ]
    ids = list(ctx.session.scalars(insert(table).returning(table.c.id), values))
    audit_trail.record(
        ctx.session,
        [{"action": "import", "entity": "cr_expense", "entity_id": str(i)} for i in ids],
    )
    return len(ids)
