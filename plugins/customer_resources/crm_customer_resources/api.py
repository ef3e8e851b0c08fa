"""Block 1 through the library API: `desk.pool` (claiming, levels, grades, segments),
`desk.orders`, `desk.expenses`, `desk.knowledge` and `desk.cases`, registered with
`crm_register_api_parts`. The block's commands call these parts, so scripts and the REST API
get the same answers and JSON shapes."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from crm_core.contract import Context
from crm_core.contract import customers as core_customers
from crm_core.contract.customers import CustomerFilter
from crm_core.contract.models import Customer, User
from crm_core.contract.products import parse_amount
from crm_core.contract.records import ApiPart
from crm_core.contract.trash import Discarded
from crm_customer_resources.services import (
    cases,
    expenses,
    knowledge,
    lifecycle,
    orders,
    protection,
    segments,
)


@attrs.frozen
class LevelRecord:
    customer: str
    level: str


@attrs.frozen
class GradeRecord:
    """A customer's grade in use, and whether it was set by hand or computed from orders."""

    grade: int | None
    manual: bool


@attrs.frozen
class OrderState:
    number: str
    status: str
    total: Decimal
    owed: Decimal


@attrs.frozen
class ArticleRecord:
    id: int
    title: str
    category: str
    body: str
    attachments: tuple[str, ...]


class Pool:
    """`desk.pool`: customer resources: the shared pool, protection, levels, grades and
    segments."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def claim(self, customer: str) -> None:
        """Take a customer from the shared pool; it is then protected for you."""
        protection.claim(self._ctx, customer)

    def release(self, customer: str) -> None:
        """Give a customer back to the shared pool."""
        protection.release(self._ctx, customer)

    def set_level(self, customer: str, level: str) -> LevelRecord:
        found = core_customers.set_level(self._ctx, customer, level)
        return LevelRecord(found.name, found.level)

    def set_grade(self, customer: str, grade: int | None) -> GradeRecord:
        """Set a grade 1-5 by hand, or None to use the grade computed from orders."""
        profile = lifecycle.set_grade(self._ctx, customer, grade)
        return GradeRecord(profile.effective_grade, grade is not None)

    def expire_protection(self, on: date | None = None) -> int:
        """Return to the pool the leads nobody contacted for the protection period; how many."""
        result = protection.expire(self._ctx, on or self._ctx.today())
        return len(result.released)

    def segment(
        self,
        where: CustomerFilter,
        *,
        grade: int | None = None,
        after_id: int = 0,
        limit: int = 50,
    ) -> list[dict[str, Any]]:
        """One keyset page of the customers you may see in a segment."""
        return segments.page(self._ctx, where, grade=grade, after_id=after_id, limit=limit)


class Orders:
    """`desk.orders`: orders with payment plans, payments and what is owed."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def create(
        self,
        customer: str,
        lines: Sequence[str],
        *,
        ordered_on: date | None = None,
        plan: Sequence[tuple[date, Decimal]] | None = None,
        installments: int = 1,
        every_days: int = 30,
        notes: str | None = None,
    ) -> OrderState:
        """Place an order; each line `ITEM:QTY[@PRICE]`. The plan (or `installments` every
        `every_days`) adds up to the total."""
        ctx = self._ctx
        order = orders.create(
            ctx,
            customer,
            [orders.parse_line(line) for line in lines],
            ordered_on=ordered_on,
            plan=list(plan) if plan else None,
            installments=installments,
            every_days=every_days,
            notes=notes,
        )
        return self._state(order)

    def _state(self, order: Any) -> OrderState:
        return OrderState(
            order.number, order.status, order.total, orders.outstanding(self._ctx, order)
        )

    def list(
        self,
        *,
        customer: str | None = None,
        status: str | None = None,
        after_id: int = 0,
        limit: int = 50,
    ) -> builtins.list[dict[str, Any]]:
        return orders.list_page(
            self._ctx, customer_ref=customer, status=status, after_id=after_id, limit=limit
        )

    def show(self, number: str) -> dict[str, Any]:
        """One order: its customer and seller, `lines`, payment plan (`installments`),
        `payments` received and what is owed."""
        ctx = self._ctx
        order = orders.get(ctx, number)
        plan = [
            {"seq": i.seq, "due_on": i.due_on, "amount": i.amount, "paid": i.paid}
            for i in orders.installments_of(ctx, order)
        ]
        customer = ctx.session.get(Customer, order.customer_id)
        seller = ctx.session.get(User, order.owner_id) if order.owner_id else None
        return {
            "number": order.number,
            "customer": customer.name if customer else None,
            "salesperson": seller.login if seller else None,
            "status": order.status,
            "ordered_on": order.ordered_on,
            "total": order.total,
            "owed": orders.outstanding(ctx, order),
            "notes": order.notes,
            "lines": orders.lines_of(ctx, order),
            "installments": plan,
            "payments": orders.payments_of(ctx, order),
        }

    def payments(
        self,
        *,
        customer: str | None = None,
        since: date | None = None,
        until: date | None = None,
        after_id: int = 0,
        limit: int = 50,
    ) -> builtins.list[dict[str, Any]]:
        """Payments received on the orders you may see, a keyset page by id."""
        return orders.payments_page(
            self._ctx,
            customer_ref=customer,
            since=since,
            until=until,
            after_id=after_id,
            limit=limit,
        )

    def pay(
        self,
        number: str,
        amount: Decimal | str,
        *,
        received_on: date | None = None,
        notes: str | None = None,
    ) -> OrderState:
        """Record a payment received; it may not exceed what is owed."""
        ctx = self._ctx
        orders.pay(
            ctx, number, parse_amount(amount, "payment"), received_on=received_on, notes=notes
        )
        return self._state(orders.get(ctx, number))

    def cancel(self, number: str) -> None:
        """Cancel an order nothing has been paid on."""
        orders.cancel(self._ctx, number)


class Expenses:
    """`desk.expenses`: expenses by person, department, category and customer."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def record(
        self,
        amount: str,
        category: str,
        *,
        spent_on: date | None = None,
        customer: str | None = None,
        for_login: str | None = None,
        notes: str | None = None,
    ) -> tuple[int, Decimal]:
        """Record an expense; its id and amount."""
        expense = expenses.record(
            self._ctx,
            amount,
            category,
            spent_on=spent_on,
            customer_ref=customer,
            for_login=for_login,
            notes=notes,
        )
        return int(expense.id), expense.amount

    def list(self, *, after_id: int = 0, limit: int = 50) -> list[dict[str, Any]]:
        return expenses.list_page(self._ctx, after_id=after_id, limit=limit)

    def update(self, expense_id: int, **values: Any) -> None:
        """Correct an expense (`amount`, `category`, `spent_on`, `customer`, `notes`): who spent
        it, their manager or an admin. Audited."""
        expenses.update(self._ctx, expense_id, values)

    def delete(self, expense_id: int) -> Discarded:
        """Put an expense in the recycle bin (`desk.trash.restore` brings it back)."""
        return expenses.delete(self._ctx, expense_id)


class Knowledge:
    """`desk.knowledge`: the knowledge base of competitors, FAQ, proposals and techniques."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def add(self, title: str, category: str, body: str, attachments: Sequence[str] = ()) -> int:
        """Add an article; its id."""
        return int(knowledge.add(self._ctx, title, category, body, list(attachments)).id)

    def update(self, article_id: int, **values: Any) -> None:
        """Correct an article (`title`, `category`, `body`, `attachments`): its author, a manager
        or an admin. Audited."""
        knowledge.update(self._ctx, article_id, values)

    def delete(self, article_id: int) -> Discarded:
        """Put an article in the recycle bin."""
        return knowledge.delete(self._ctx, article_id)

    def search(self, words: str, *, category: str | None = None) -> list[dict[str, Any]]:
        """Articles containing every word, title matches first, each with an excerpt."""
        return [
            {
                "id": a.id,
                "category": a.category,
                "title": a.title,
                "excerpt": a.body[:60].replace("\n", " "),
            }
            for a in knowledge.search(self._ctx, words, category=category)
        ]

    def get(self, article_id: int) -> ArticleRecord:
        a = knowledge.get(self._ctx, article_id)
        return ArticleRecord(a.id, a.title, a.category, a.body, tuple(a.attachments))


class Cases:
    """`desk.cases`: complaints and feedback, followed to a resolution."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def open(
        self,
        customer: str,
        kind: str,
        title: str,
        description: str | None = None,
        assignee: str | None = None,
    ) -> int:
        """Open a case for a customer; its id."""
        case = cases.open_case(self._ctx, customer, kind, title, description, assignee)
        return int(case.id)

    def list(
        self,
        *,
        status: str | None = None,
        mine: bool = False,
        after_id: int = 0,
        limit: int = 50,
    ) -> builtins.list[dict[str, Any]]:
        return cases.list_page(self._ctx, status=status, mine=mine, after_id=after_id, limit=limit)

    def assign(self, case_id: int, login: str) -> None:
        cases.assign(self._ctx, case_id, login)

    def move(self, case_id: int, status: str, resolution: str | None = None) -> None:
        """Start, resolve (with a resolution), close or reopen a case."""
        cases.move(self._ctx, case_id, status, resolution)


PARTS = (
    ApiPart("pool", Pool, "The shared pool, protection, levels, grades and segments"),
    ApiPart("orders", Orders, "Orders, payment plans and payments"),
    ApiPart("expenses", Expenses, "Expenses"),
    ApiPart("knowledge", Knowledge, "The knowledge base"),
    ApiPart("cases", Cases, "Service cases"),
)
