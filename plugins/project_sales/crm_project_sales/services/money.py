"""Quotes (versioned, with lines, discounts, cost and margin), project costs, and profit.

Accepting a quote sets the project's contract amount; an earlier accepted version is superseded.

Profit, the one definition every view and report uses:

    profit = contract amount - cost of goods - other costs - expenses

where the cost of goods is the goods cost booked against the project (`--kind goods`) once there
is any, and until then the accepted quote's cost (its lines' unit cost x quantity); other costs
(`--kind cost`: installation, subcontracting) and expenses (`--kind expense`: travel) are what was
booked. Margin % = profit / contract amount.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import attrs
from sqlalchemy import ColumnElement, case, func, select

from crm_core.contract import Context, NotFound, ValidationError, plugin_module
from crm_core.contract.inputs import parse_amount, parse_quantity, within_bounds
from crm_core.contract.models import Product
from crm_core.contract.tables import to_money
from crm_project_sales.models import COST_KINDS, Project, ProjectCost, Quote, QuoteLine
from crm_project_sales.services import pipeline

HUNDRED = Decimal(100)


@attrs.frozen
class QuoteItem:
    """A quote line: a product code (its name and list price by default) or a free description."""

    product_or_text: str
    quantity: int
    unit_price: Decimal | None = None
    discount_pct: Decimal = Decimal(0)
    unit_cost: Decimal = Decimal(0)


def parse_item(text: str) -> QuoteItem:
    """ "CODE_OR_TEXT:QTY[@PRICE][-DISCOUNT%][/COST]", e.g. "JS-200:3@8000-5%/5200"."""
    head, sep, rest = text.rpartition(":")
    if not sep or not head:
        raise ValidationError(f"quote line {text!r} is not ITEM:QTY[@PRICE][-DISCOUNT%][/COST]")
    rest, _, cost = rest.partition("/")
    rest, _, discount = rest.partition("-")
    qty, _, price = rest.partition("@")
    quantity = parse_quantity(qty, f"quote line {text[:40]!r}: quantity")
    pct = parse_amount(discount.rstrip("%"), "discount") if discount else Decimal(0)
    if pct > 100:
        raise ValidationError(f"quote line {text!r}: discount above 100%")
    return QuoteItem(
        head,
        quantity,
        parse_amount(price, "price") if price else None,
        pct,
        parse_amount(cost, "cost") if cost else Decimal(0),
    )


def add_quote(
    ctx: Context, project: Project, items: Sequence[QuoteItem], notes: str | None = None
) -> Quote:
    if not items:
        raise ValidationError("a quote needs at least one line")
    if pipeline.stage(ctx, project.category, project.stage_code).outcome != "open":
        raise ValidationError(f"project {project.id} is closed")
    codes = {i.product_or_text for i in items}
    products = {
        p.code: p for p in ctx.session.scalars(select(Product).where(Product.code.in_(codes)))
    }
    version = (
        ctx.session.scalar(select(func.max(Quote.version)).where(Quote.project_id == project.id))
        or 0
    ) + 1
    quote = Quote(
        customer_id=project.customer_id,
        project_id=project.id,
        version=version,
        status="draft",
        total=Decimal(0),
        cost=Decimal(0),
        notes=notes,
        created_at=ctx.now(),
    )
    ctx.session.add(quote)
    ctx.session.flush()
    total = cost = Decimal(0)
    for item in items:
        product = products.get(item.product_or_text)
        price = (
            item.unit_price if item.unit_price is not None else (product.price if product else None)
        )
        if price is None:
            raise ValidationError(
                f"quote line {item.product_or_text}: give a price (no such product)"
            )
        amount = to_money(price * item.quantity * (HUNDRED - item.discount_pct) / HUNDRED)
        ctx.session.add(
            QuoteLine(
                customer_id=project.customer_id,
                quote_id=quote.id,
                product_id=product.id if product else None,
                description=product.name if product else item.product_or_text,
                quantity=item.quantity,
                unit_price=price,
                discount_pct=item.discount_pct,
                unit_cost=item.unit_cost,
                amount=amount,
            )
        )
        total += amount
        cost += to_money(item.unit_cost * item.quantity)
    quote.total = within_bounds(to_money(total), "the quote's total")
    quote.cost = within_bounds(to_money(cost), "the quote's cost")
    ctx.session.flush()
    return quote


def _quote(ctx: Context, project: Project, version: int) -> Quote:
    quote = ctx.session.scalar(
        select(Quote).where(Quote.project_id == project.id, Quote.version == version)
    )
    if quote is None:
        raise NotFound(f"project {project.id} has no quote version {version}")
    return quote


def set_quote_status(ctx: Context, project: Project, version: int, status: str) -> Quote:
    quote = _quote(ctx, project, version)
    allowed = {
        "draft": {"sent", "accepted", "rejected"},
        "sent": {"accepted", "rejected"},
        "accepted": {"rejected"},
        "rejected": set(),
    }
    if status not in allowed[quote.status]:
        raise ValidationError(f"quote v{version} is {quote.status}; it cannot become {status}")
    if status == "accepted":
        if pipeline.stage(ctx, project.category, project.stage_code).outcome != "open":
            raise ValidationError(f"project {project.id} is closed")
        for other in ctx.session.scalars(
            select(Quote).where(Quote.project_id == project.id, Quote.status == "accepted")
        ):
            other.status = "rejected"
        project.contract_amount = quote.total
    elif quote.status == "accepted":
        project.contract_amount = None
    quote.status = status
    ctx.session.flush()
    return quote


def quotes(ctx: Context, project: Project) -> list[dict[str, object]]:
    rows = ctx.session.scalars(
        select(Quote).where(Quote.project_id == project.id).order_by(Quote.version)
    )
    return [
        {
            "version": q.version,
            "status": q.status,
            "total": q.total,
            "cost": q.cost,
            "margin": q.total - q.cost,
            "margin_pct": ((q.total - q.cost) / q.total * HUNDRED).quantize(Decimal("0.1"))
            if q.total
            else None,
        }
        for q in rows
    ]


def quote_lines(ctx: Context, project: Project, version: int) -> list[dict[str, object]]:
    quote = _quote(ctx, project, version)
    rows = ctx.session.scalars(
        select(QuoteLine).where(QuoteLine.quote_id == quote.id).order_by(QuoteLine.id)
    )
    return [
        {
            "description": line.description,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount_pct": line.discount_pct,
            "amount": line.amount,
            "unit_cost": line.unit_cost,
        }
        for line in rows
    ]


def add_cost(
    ctx: Context,
    project: Project,
    kind: str,
    category: str,
    amount: str | Decimal,
    spent_on: date | None = None,
    notes: str | None = None,
) -> ProjectCost:
    if kind not in COST_KINDS:
        raise ValidationError(f"kind must be one of {', '.join(COST_KINDS)}")
    money = parse_amount(amount, "amount")
    if money <= 0:
        raise ValidationError("a cost must be more than zero")
    item = ProjectCost(
        customer_id=project.customer_id,
        project_id=project.id,
        kind=kind,
        category=category,
        amount=money,
        spent_on=spent_on or ctx.today(),
        notes=notes,
        recorded_by_id=ctx.actor.id,
    )
    ctx.session.add(item)
    ctx.session.flush()
    if kind == "expense":
        _book_as_expense(ctx, project, item)
    return item


def _book_as_expense(ctx: Context, project: Project, item: ProjectCost) -> None:
    """With customer_resources, a project's expense is also one of the company's expenses (for
    its customer, by whoever booked it), so the expense reports by customer, person and
    category count it. A category the expense picklist does not know is booked as "other"."""
    expenses: Any = plugin_module(
        ctx, "customer_resources", "crm_customer_resources.services.expenses"
    )
    if expenses is None or ctx.actor.id is None:
        return
    notes = f"project {project.id} {project.name}: {item.category}"
    if item.notes:
        notes += f" ({item.notes})"
    for category in (item.category, "other"):
        try:
            expenses.record(
                ctx,
                item.amount,
                category,
                spent_on=item.spent_on,
                customer_ref=str(project.customer_id),
                notes=notes[:1000],
            )
            return
        except ValidationError:
            if category == "other":
                raise


def booked(kind: str) -> ColumnElement[Decimal]:
    """SQL, correlated to the project of the enclosing query: what is booked of `kind` (0 if none)."""
    return (
        select(func.coalesce(func.sum(ProjectCost.amount), 0))
        .where(ProjectCost.project_id == Project.id, ProjectCost.kind == kind)
        .correlate(Project)
        .scalar_subquery()
    )


def accepted_quote_cost() -> ColumnElement[Decimal]:
    """SQL, correlated to the project: the accepted quote's cost, NULL without one."""
    return (
        select(Quote.cost)
        .where(Quote.project_id == Project.id, Quote.status == "accepted")
        .limit(1)
        .correlate(Project)
        .scalar_subquery()
    )


def goods_cost(estimate: ColumnElement[Decimal]) -> ColumnElement[Decimal]:
    """SQL: the booked goods cost once there is any, else `estimate` (a quote's cost), else 0."""
    goods = booked("goods")
    return case((goods > 0, goods), else_=func.coalesce(estimate, 0))


@attrs.frozen
class Profit:
    contract: Decimal
    #: Booked goods cost, or the accepted quote's cost while none is booked.
    goods: Decimal
    #: Whether `goods` is still the quote's estimate.
    goods_estimated: bool
    costs: Decimal
    expenses: Decimal

    @property
    def profit(self) -> Decimal:
        return self.contract - self.goods - self.costs - self.expenses

    @property
    def margin_pct(self) -> Decimal | None:
        if not self.contract:
            return None
        return (self.profit * HUNDRED / self.contract).quantize(Decimal("0.1"))


def profit(ctx: Context, project: Project) -> Profit:
    sums = dict(
        ctx.session.execute(
            select(ProjectCost.kind, func.sum(ProjectCost.amount))
            .where(ProjectCost.project_id == project.id)
            .group_by(ProjectCost.kind)
        ).all()
    )
    booked_goods = to_money(sums.get("goods") or 0)
    estimate = ctx.session.scalar(
        select(Quote.cost).where(Quote.project_id == project.id, Quote.status == "accepted")
    )
    estimated = not booked_goods
    return Profit(
        project.contract_amount or Decimal("0.00"),
        to_money(estimate or 0) if estimated else booked_goods,
        estimated,
        to_money(sums.get("cost") or 0),
        to_money(sums.get("expense") or 0),
    )
