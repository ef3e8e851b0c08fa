"""The block's commands: customers claim/release/level/grade/expire-protection, orders,
expenses, knowledge, cases. Thin over the services; errors surface as one line via the core CLI."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from crm_core.contract import ValidationError, _
from crm_core.contract.cli import (
    App,
    deleted_message,
    emit,
    emit_object,
    format_option,
    page_options,
    pass_app,
    to_json,
)
from crm_core.contract.customers import CustomerFilter
from crm_core.contract.inputs import read_text_file
from crm_core.contract.products import parse_amount
from crm_customer_resources.models import ARTICLE_CATEGORIES, CASE_KINDS, CASE_STATUSES

DAY = click.DateTime(["%Y-%m-%d"])


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


# -- customers ---------------------------------------------------------------------------------


@click.command("claim")
@click.argument("ref")
@pass_app
def claim(app: App, ref: str) -> None:
    """Take a customer from the shared pool; it is then protected for you.  认领公海客户。"""
    with app.desk(write=True) as desk:
        desk.pool.claim(ref)
    click.echo(f"claimed {ref}")


@click.command("release")
@click.argument("ref")
@pass_app
def release(app: App, ref: str) -> None:
    """Give a customer back to the shared pool.  退回公海。"""
    with app.desk(write=True) as desk:
        desk.pool.release(ref)
    click.echo(f"released {ref} to the pool")


@click.command("level")
@click.argument("ref")
@click.argument("level")
@pass_app
def level(app: App, ref: str, level: str) -> None:
    """Move a customer to a level: lead, contacted, qualified, signed, blacklist, or its label in
    either language (线索, 已联系, 意向客户, 签约客户, 黑名单).  调整客户级别。"""
    with app.desk(write=True) as desk:
        changed = desk.pool.set_level(ref, level)
    click.echo(f"{changed.customer}: {_(changed.level)}")


@click.command("grade")
@click.argument("ref")
@click.argument("grade")
@pass_app
def grade(app: App, ref: str, grade: str) -> None:
    """Set a grade 1-5 by hand, or `auto` to use the grade computed from orders.  设置客户等级。"""
    value: int | None
    if grade == "auto":
        value = None
    elif grade.isdigit():
        value = int(grade)
    else:
        raise ValidationError("grade is 1-5 or auto")
    with app.desk(write=True) as desk:
        given = desk.pool.set_grade(ref, value)
    click.echo(f"grade {given.grade or '-'} ({'manual' if given.manual else 'from orders'})")


@click.command("expire-protection")
@click.option(
    "--date", "on", type=DAY, help="Day to judge by (default today); run daily from cron."
)
@pass_app
def expire_protection(app: App, on: datetime | None) -> None:
    """Return leads nobody contacted for the protection period to the pool.  保护期到期回收。"""
    with app.desk(write=True) as desk:
        released = desk.pool.expire_protection(_day(on))
    click.echo(f"{released} customers returned to the pool")


@click.command("segment")
@click.option("--grade", type=click.IntRange(1, 5))
@click.option("--level", help="A level's code or label (签约客户 ...).")
@click.option("--kind")
@click.option("--industry")
@click.option("--region")
@click.option("--owner", "owner_login")
@page_options
@format_option
@pass_app
def segment(
    app: App,
    grade: int | None,
    level: str | None,
    kind: str | None,
    industry: str | None,
    region: str | None,
    owner_login: str | None,
    after_id: int,
    limit: int,
    fmt: str,
) -> None:
    """Customers of a segment: grade, level, kind, industry, region, owner.  客户细分。"""
    where = CustomerFilter(
        kind=kind, level=level, industry=industry, region=region, owner_login=owner_login
    )
    with app.desk() as desk:
        rows = desk.pool.segment(where, grade=grade, after_id=after_id, limit=limit)
    emit(rows, fmt, ["id", "name", "kind", "level", "grade", "industry", "region", "owner"])


# -- orders ------------------------------------------------------------------------------------


def _plan(items: tuple[str, ...]) -> list[tuple[date, Decimal]]:
    plan = []
    for item in items:
        day, sep, amount = item.partition("=")
        if not sep:
            raise ValidationError(f"installment {item!r} is not YYYY-MM-DD=AMOUNT")
        try:
            plan.append((date.fromisoformat(day), parse_amount(amount, "installment")))
        except ValueError:
            raise ValidationError(f"installment {item!r} is not YYYY-MM-DD=AMOUNT") from None
    return plan


def orders_group() -> click.Group:
    @click.group("orders")
    def group() -> None:
        """Orders, payment plans and payments.  订单与回款。"""

    @group.command("add")
    @click.argument("customer")
    @click.option("--line", "lines", multiple=True, required=True, metavar="CODE:QTY[@PRICE]")
    @click.option("--date", "on", type=DAY, help="Order date (default today).")
    @click.option("--installments", type=click.IntRange(1, 120), default=1, show_default=True)
    @click.option(
        "--every",
        "every_days",
        type=click.IntRange(0, 365),
        default=30,
        show_default=True,
        help="Days between installments; the first is due this many days after the order.",
    )
    @click.option(
        "--plan", "plan", multiple=True, metavar="YYYY-MM-DD=AMOUNT", help="Explicit payment plan."
    )
    @click.option("--notes")
    @pass_app
    def add(
        app: App,
        customer: str,
        lines: tuple[str, ...],
        on: datetime | None,
        installments: int,
        every_days: int,
        plan: tuple[str, ...],
        notes: str | None,
    ) -> None:
        """Place an order: lines, then a payment plan that adds up to the total."""
        with app.desk(write=True) as desk:
            order = desk.orders.create(
                customer,
                lines,
                ordered_on=_day(on),
                plan=_plan(plan) or None,
                installments=installments,
                every_days=every_days,
                notes=notes,
            )
        click.echo(f"order {order.number}: {order.total}")

    @group.command("list")
    @click.option("--customer")
    @click.option("--status", type=click.Choice(("open", "closed", "cancelled")))
    @page_options
    @format_option
    @pass_app
    def list_(
        app: App, customer: str | None, status: str | None, after_id: int, limit: int, fmt: str
    ) -> None:
        """Orders you may see."""
        with app.desk() as desk:
            rows = desk.orders.list(
                customer=customer, status=status, after_id=after_id, limit=limit
            )
        emit(
            rows, fmt, ["id", "number", "customer", "ordered_on", "status", "total", "paid", "owed"]
        )

    @group.command("show")
    @click.argument("number")
    @format_option
    @pass_app
    def show(app: App, number: str, fmt: str) -> None:
        """One order: customer, lines, payment plan, payments, what is owed."""
        with app.desk() as desk:
            record = desk.orders.show(number)
        if fmt == "json":
            emit_object(record, fmt)
            return
        lines, plan, paid = record.pop("lines"), record.pop("installments"), record.pop("payments")
        emit_object(record, fmt)
        emit(lines, fmt, ["product", "name", "quantity", "price", "amount"], title="Lines")
        emit(plan, fmt, ["seq", "due_on", "amount", "paid"], title="Installments")
        emit(paid, fmt, ["received_on", "amount", "recorded_by", "notes"], title="Payments")

    @group.command("payments")
    @click.option("--customer")
    @click.option("--since", type=DAY, help="First day received (YYYY-MM-DD).")
    @click.option("--until", type=DAY, help="Last day received.")
    @page_options
    @format_option
    @pass_app
    def payments(
        app: App,
        customer: str | None,
        since: datetime | None,
        until: datetime | None,
        after_id: int,
        limit: int,
        fmt: str,
    ) -> None:
        """Payments received (回款) on the orders you may see."""
        with app.desk() as desk:
            rows = desk.orders.payments(
                customer=customer,
                since=_day(since),
                until=_day(until),
                after_id=after_id,
                limit=limit,
            )
        emit(
            rows,
            fmt,
            ["id", "received_on", "order", "customer", "amount", "recorded_by", "notes"],
        )

    @group.command("pay")
    @click.argument("number")
    @click.argument("amount")
    @click.option("--date", "on", type=DAY, help="Day received (default today).")
    @click.option("--notes")
    @pass_app
    def pay(app: App, number: str, amount: str, on: datetime | None, notes: str | None) -> None:
        """Record a payment received; it may not exceed what is owed."""
        with app.desk(write=True) as desk:
            order = desk.orders.pay(number, amount, received_on=_day(on), notes=notes)
        click.echo(f"order {number}: {order.owed} still owed ({order.status})")

    @group.command("cancel")
    @click.argument("number")
    @pass_app
    def cancel(app: App, number: str) -> None:
        """Cancel an order nothing has been paid on."""
        with app.desk(write=True) as desk:
            desk.orders.cancel(number)
        click.echo(f"cancelled {number}")

    return group


# -- expenses ----------------------------------------------------------------------------------


def expenses_group() -> click.Group:
    @click.group("expenses")
    def group() -> None:
        """Expenses by person, department, category, customer.  费用。"""

    @group.command("add")
    @click.argument("amount")
    @click.option(
        "--category",
        required=True,
        help="travel, entertainment, gifts, marketing, communication, other (picklist).",
    )
    @click.option("--date", "on", type=DAY)
    @click.option("--customer")
    @click.option("--for", "for_login", help="Someone you manage (default: you).")
    @click.option("--notes")
    @pass_app
    def add(
        app: App,
        amount: str,
        category: str,
        on: datetime | None,
        customer: str | None,
        for_login: str | None,
        notes: str | None,
    ) -> None:
        """Record an expense, optionally for a customer."""
        with app.desk(write=True) as desk:
            expense_id, spent = desk.expenses.record(
                amount,
                category,
                spent_on=_day(on),
                customer=customer,
                for_login=for_login,
                notes=notes,
            )
        click.echo(f"expense {expense_id}: {spent}")

    @group.command("list")
    @page_options
    @format_option
    @pass_app
    def list_(app: App, after_id: int, limit: int, fmt: str) -> None:
        """Expenses you may see."""
        with app.desk() as desk:
            rows = desk.expenses.list(after_id=after_id, limit=limit)
        emit(
            rows,
            fmt,
            ["id", "spent_on", "user", "department", "category", "customer", "amount", "notes"],
        )

    @group.command("update")
    @click.argument("expense_id", type=int)
    @click.option("--amount")
    @click.option("--category")
    @click.option("--date", "on", type=DAY)
    @click.option("--customer", help="The customer; an empty value clears it.")
    @click.option("--notes", help="An empty value clears them.")
    @pass_app
    def update(
        app: App,
        expense_id: int,
        amount: str | None,
        category: str | None,
        on: datetime | None,
        customer: str | None,
        notes: str | None,
    ) -> None:
        """Correct an expense (who spent it, their manager, an admin). Audited."""
        values: dict[str, Any] = {"amount": amount, "category": category, "customer": customer}
        values = {k: v for k, v in values.items() if v is not None}
        if on is not None:
            values["spent_on"] = on.date()
        if notes is not None:
            values["notes"] = notes
        if not values:
            raise ValidationError("nothing to change: pass at least one option")
        with app.desk(write=True) as desk:
            desk.expenses.update(expense_id, **values)
        click.echo(f"updated expense {expense_id}")

    @group.command("delete")
    @click.argument("expense_id", type=int)
    @pass_app
    def delete(app: App, expense_id: int) -> None:
        """Put an expense in the recycle bin (crm trash restore brings it back)."""
        with app.desk(write=True) as desk:
            done = desk.expenses.delete(expense_id)
        click.echo(deleted_message(done))

    return group


# -- knowledge ---------------------------------------------------------------------------------


def knowledge_group() -> click.Group:
    @click.group("knowledge")
    def group() -> None:
        """The knowledge base: competitors, FAQ, proposals, techniques.  知识库。"""

    @group.command("add")
    @click.argument("title")
    @click.option("--category", type=click.Choice(ARTICLE_CATEGORIES), required=True)
    @click.option("--body")
    @click.option("--body-file", type=click.Path(exists=True, dir_okay=False))
    @click.option(
        "--attach", "attachments", multiple=True, help="Path of a file to attach (repeatable)."
    )
    @pass_app
    def add(
        app: App,
        title: str,
        category: str,
        body: str | None,
        body_file: str | None,
        attachments: tuple[str, ...],
    ) -> None:
        """Add an article to the knowledge base."""
        if bool(body) == bool(body_file):
            raise ValidationError("give --body or --body-file")
        text = body if body else read_text_file(body_file or "")
        with app.desk(write=True) as desk:
            article_id = desk.knowledge.add(title, category, text, attachments)
        click.echo(f"article {article_id}")

    @group.command("update")
    @click.argument("article_id", type=int)
    @click.option("--title")
    @click.option("--category", type=click.Choice(ARTICLE_CATEGORIES))
    @click.option("--body")
    @click.option("--body-file", type=click.Path(exists=True, dir_okay=False))
    @click.option(
        "--attach", "attachments", multiple=True, help="The attachments, replacing the old ones."
    )
    @pass_app
    def update(
        app: App,
        article_id: int,
        title: str | None,
        category: str | None,
        body: str | None,
        body_file: str | None,
        attachments: tuple[str, ...],
    ) -> None:
        """Correct an article (its author, a manager, an admin). Audited."""
        if body and body_file:
            raise ValidationError("give --body or --body-file, not both")
        values: dict[str, Any] = {"title": title, "category": category}
        values = {k: v for k, v in values.items() if v is not None}
        if body is not None or body_file:
            values["body"] = body if body is not None else Path(body_file or "").read_text("utf-8")
        if attachments:
            values["attachments"] = list(attachments)
        if not values:
            raise ValidationError("nothing to change: pass at least one option")
        with app.desk(write=True) as desk:
            desk.knowledge.update(article_id, **values)
        click.echo(f"updated article {article_id}")

    @group.command("delete")
    @click.argument("article_id", type=int)
    @pass_app
    def delete(app: App, article_id: int) -> None:
        """Put an article in the recycle bin (crm trash restore brings it back)."""
        with app.desk(write=True) as desk:
            done = desk.knowledge.delete(article_id)
        click.echo(deleted_message(done))

    @group.command("search")
    @click.argument("words", nargs=-1, required=True)
    @click.option("--category", type=click.Choice(ARTICLE_CATEGORIES))
    @format_option
    @pass_app
    def search(app: App, words: tuple[str, ...], category: str | None, fmt: str) -> None:
        """Articles containing every word, title matches first."""
        with app.desk() as desk:
            rows = desk.knowledge.search(" ".join(words), category=category)
        emit(rows, fmt, ["id", "category", "title", "excerpt"])

    @group.command("show")
    @click.argument("article_id", type=int)
    @format_option
    @pass_app
    def show(app: App, article_id: int, fmt: str) -> None:
        """One knowledge-base article."""
        with app.desk() as desk:
            a = desk.knowledge.get(article_id)
        if fmt == "json":
            emit_object(to_json(a), fmt)
        else:
            click.echo(f"{a.title} [{a.category}]\n\n{a.body}")
            for path in a.attachments:
                click.echo(f"  attachment: {path}")

    return group


# -- service cases -----------------------------------------------------------------------------


def cases_group() -> click.Group:
    @click.group("cases")
    def group() -> None:
        """Complaints and feedback, followed to a resolution.  客户服务。"""

    @group.command("open")
    @click.argument("customer")
    @click.option("--kind", type=click.Choice(CASE_KINDS), required=True)
    @click.option("--title", required=True)
    @click.option("--description")
    @click.option("--assignee", help="Login (default: the customer's owner).")
    @pass_app
    def open_(
        app: App,
        customer: str,
        kind: str,
        title: str,
        description: str | None,
        assignee: str | None,
    ) -> None:
        """Open a complaint or feedback case for CUSTOMER."""
        with app.desk(write=True) as desk:
            case_id = desk.cases.open(customer, kind, title, description, assignee)
        click.echo(f"case {case_id} opened")

    @group.command("list")
    @click.option("--status", type=click.Choice(CASE_STATUSES))
    @click.option("--mine", is_flag=True, help="Only cases assigned to you.")
    @page_options
    @format_option
    @pass_app
    def list_(
        app: App, status: str | None, mine: bool, after_id: int, limit: int, fmt: str
    ) -> None:
        """Service cases you may see."""
        with app.desk() as desk:
            rows = desk.cases.list(status=status, mine=mine, after_id=after_id, limit=limit)
        emit(
            rows,
            fmt,
            ["id", "opened_at", "customer", "kind", "title", "status", "assignee", "resolution"],
        )

    @group.command("assign")
    @click.argument("case_id", type=int)
    @click.argument("login")
    @pass_app
    def assign(app: App, case_id: int, login: str) -> None:
        """Give CASE_ID to LOGIN to follow up."""
        with app.desk(write=True) as desk:
            desk.cases.assign(case_id, login)
        click.echo(f"case {case_id} assigned to {login}")

    def _mover(name: str, status: str, help_text: str) -> None:
        @group.command(name, help=help_text)
        @click.argument("case_id", type=int)
        @click.option("--resolution", help="How it was resolved (required to resolve).")
        @pass_app
        def move(app: App, case_id: int, resolution: str | None) -> None:
            with app.desk(write=True) as desk:
                desk.cases.move(case_id, status, resolution)
            click.echo(f"case {case_id}: {status}")

    _mover("start", "in_progress", "Start working on a case.")
    _mover("resolve", "resolved", "Resolve a case (with --resolution).")
    _mover("close", "closed", "Close a resolved case.")
    _mover("reopen", "open", "Reopen a case being worked on.")
    return group


def register(cli: click.Group) -> None:
    customers_group = cli.commands["customers"]
    assert isinstance(customers_group, click.Group)
    for command in (claim, release, level, grade, expire_protection, segment):
        customers_group.add_command(command)
    for group in (
        orders_group(),
        expenses_group(),
        knowledge_group(),
        cases_group(),
    ):
        cli.add_command(group)
