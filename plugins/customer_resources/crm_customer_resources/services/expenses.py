"""Expenses recorded by person, department, category and customer."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from crm_core.contract import (
    Context,
    ValidationError,
    audit,
    customers,
    picklists,
    trash,
    writes,
)
from crm_core.contract import dates as imports_parsers
from crm_core.contract.access import (
    require_manages,
    require_may_change,
    resolve_users,
    user_by_login,
    visible,
    visible_customers,
)
from crm_core.contract.models import Customer, Team, User
from crm_core.contract.products import parse_amount
from crm_core.contract.queries import capped_count
from crm_core.contract.records import ImportRow
from crm_core.contract.tables import table_of
from crm_customer_resources.models import Expense


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
    resolve = picklists.resolver(ctx, "expense_category")
    if resolve is not None:
        category = resolve(category)
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


#: What a correction may change.
EDITABLE = ("amount", "category", "spent_on", "customer", "notes")


def _mine_to_change(ctx: Context, expense_id: int, doing: str) -> Expense:
    """The expense, if the actor may change it: who spent it, their manager, an admin."""
    expense = visible(ctx, Expense, expense_id, "expense")
    require_may_change(ctx, expense, doing)
    return expense


def update(ctx: Context, expense_id: int, values: Mapping[str, Any]) -> Expense:
    """Correct an expense; each field is audited."""
    expense = _mine_to_change(ctx, expense_id, "change this expense")
    for field, value in values.items():
        if field not in EDITABLE:
            raise ValidationError(f"unknown expense field {field!r}")
        if field == "amount":
            money = parse_amount(value, "amount")
            if money <= 0:
                raise ValidationError("an expense must be more than zero")
            expense.amount = money
        elif field == "category":
            resolve = picklists.resolver(ctx, "expense_category")
            expense.category = resolve(str(value)) if resolve is not None else str(value)
        elif field == "spent_on":
            if value > ctx.today():
                raise ValidationError("an expense cannot be in the future")
            expense.spent_on = value
        elif field == "customer":
            expense.customer_id = customers.get(ctx, str(value)).id if value else None
        else:
            expense.notes = str(value).strip() or None if value is not None else None
    ctx.session.flush()
    customers_of = [expense.customer_id] if expense.customer_id else []
    ctx.hook.crm_records_changed(
        ctx=ctx, entity="expenses", ids=[expense.id], how="updated", customer_ids=customers_of
    )
    return expense


def delete(ctx: Context, expense_id: int) -> trash.Discarded:
    """Put an expense in the recycle bin."""
    trash.require_deleter(ctx)
    expense = _mine_to_change(ctx, expense_id, "delete this expense")
    label = f"{expense.category} {expense.amount} {expense.spent_on.isoformat()} (#{expense.id})"
    return trash.discard(ctx, "expenses", expense, label)


def _rows() -> Any:
    """Each visible expense with who spent it, their department and the customer: what a page
    lists, an export writes and its count counts."""
    return (
        select(Expense, User.login, Team.name, Customer.name)
        .join(User, User.id == Expense.owner_id)
        .outerjoin(Team, Team.id == Expense.team_id)
        .outerjoin(Customer, Customer.id == Expense.customer_id)
    )


def list_page(ctx: Context, *, after_id: int = 0, limit: int = 50) -> list[dict[str, object]]:
    query = _rows().where(Expense.id > after_id).order_by(Expense.id).limit(limit)
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


def count_rows(ctx: Context, filters: Mapping[str, str], cap: int) -> int:
    """How many expenses `export_rows` yields (the rows of `list_page`), read up to `cap` + 1."""
    return capped_count(ctx, _rows().with_only_columns(Expense.id), cap)


def export_rows(ctx: Context, filters: Mapping[str, str]) -> Iterator[Mapping[str, object]]:
    """`crm export expenses`: every expense the user may see, a thousand at a time by id."""
    after = 0
    while page := list_page(ctx, after_id=after, limit=1000):
        yield from page
        after = int(str(page[-1]["id"]))


# -- spreadsheet import (crm import expenses FILE) -------------------------------------------------


def parse_category(text: str) -> str:
    """The cell as typed; `check_rows` resolves it in the `expense_category` picklist."""
    return text.strip()


def parse_day(text: str) -> date:
    return imports_parsers.parse_day(text)


def check_rows(ctx: Context, rows: list[ImportRow]) -> None:
    """Who spent (a user the importer manages), on which visible customer, not in the future."""
    resolve = picklists.resolver(ctx, "expense_category")
    for row in rows:
        if resolve is not None:
            try:
                row.values["category"] = resolve(row.values["category"])
            except ValidationError as exc:
                row.reject(str(exc))
    resolve_users(ctx, rows, "user", "record expenses")
    visible_customers(ctx, [r for r in rows if r.ok and r.values.get("customer")])
    for row in rows:
        if row.ok and row.values["spent_on"] > ctx.today():
            row.reject("spent_on is in the future")


def write_rows(ctx: Context, rows: list[ImportRow]) -> list[int]:
    table = table_of(Expense)
    values = [
        {
            "owner_id": r.values["user_user"].id,
            "team_id": r.values["user_user"].team_id,
            "category": r.values["category"],
            "customer_id": r.values.get("customer_id"),
            "amount": r.values["amount"],
            "spent_on": r.values["spent_on"],
            "notes": r.values.get("notes"),
        }
        for r in rows
    ]
    ids = writes.insert_rows(ctx.session, table, values)
    audit.record(
        ctx.session,
        [{"action": "import", "entity": "cr_expense", "entity_id": str(i)} for i in ids],
    )
    return ids
