"""Dealers and agents: level, region, contract period, credit limit, responsible salesperson."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select, update

from crm_channel_commerce.models import Dealer
from crm_core.contract import Context, NotFound, PermissionDenied, ValidationError, audit, customers
from crm_core.contract.access import require_manages, user_by_login
from crm_core.contract.models import Customer, User
from crm_core.contract.products import parse_amount
from crm_core.contract.tables import table_of

_dealers = table_of(Dealer)


def _manager(ctx: Context) -> None:
    if not (ctx.actor.is_admin or ctx.actor.role == "manager"):
        raise PermissionDenied("only a manager or admin may set up dealers")


def register(
    ctx: Context,
    customer_ref: str,
    *,
    level: str,
    credit_limit: str | Decimal,
    region: str | None = None,
    contract_start: date | None = None,
    contract_end: date | None = None,
    rep_login: str | None = None,
) -> Dealer:
    _manager(ctx)
    customer = customers.get(ctx, customer_ref)
    if customer.kind != "agent":
        raise ValidationError(
            f"{customer.name} is a {customer.kind}; dealers are customers of kind agent"
        )
    if ctx.session.get(Dealer, customer.id) is not None:
        raise ValidationError(f"{customer.name} is already a dealer")
    if contract_start and contract_end and contract_end < contract_start:
        raise ValidationError("the contract ends before it starts")
    rep = _rep(ctx, rep_login) if rep_login else None
    dealer = Dealer(
        customer_id=customer.id,
        level=level,
        region=region or customer.region,
        contract_start=contract_start,
        contract_end=contract_end,
        credit_limit=parse_amount(credit_limit, "credit limit"),
        credit_used=Decimal("0.00"),
        sales_rep_id=rep.id if rep else customer.owner_id,
    )
    ctx.session.add(dealer)
    ctx.session.flush()
    return dealer


def _rep(ctx: Context, login: str) -> User:
    """A dealer's rep: an active user the acting manager manages (whose reminders they see)."""
    rep = user_by_login(ctx, login)
    if not rep.active:
        raise ValidationError(f"{rep.login} is not active; a dealer's rep must be")
    require_manages(ctx, rep, "make a dealer's rep")
    return rep


def get(ctx: Context, customer_ref: str) -> Dealer:
    customer = customers.get(ctx, customer_ref)
    dealer = ctx.session.get(Dealer, customer.id)
    if dealer is None:
        raise NotFound(f"{customer.name} is not a dealer (crm dealers add)")
    return dealer


def change(
    ctx: Context,
    customer_ref: str,
    *,
    credit_limit: str | None = None,
    level: str | None = None,
    contract_end: date | None = None,
    rep_login: str | None = None,
) -> Dealer:
    _manager(ctx)
    dealer = get(ctx, customer_ref)
    if credit_limit is not None:
        limit = parse_amount(credit_limit, "credit limit")
        # Conditional, so a concurrent confirmation cannot slip between the check and the change.
        done = ctx.session.execute(
            update(_dealers)
            .where(_dealers.c.customer_id == dealer.customer_id, _dealers.c.credit_used <= limit)
            .values(credit_limit=limit)
        )
        if not done.rowcount:  # type: ignore[attr-defined]
            ctx.session.refresh(dealer)
            raise ValidationError(
                f"open credit is {dealer.credit_used}; the limit cannot go below it"
            )
        audit.record(
            ctx.session,
            [
                {
                    "action": "update",
                    "entity": "cc_dealer",
                    "entity_id": str(dealer.customer_id),
                    "field": "credit_limit",
                    "old_value": str(dealer.credit_limit),
                    "new_value": str(limit),
                }
            ],
        )
        ctx.session.refresh(dealer)
    if level is not None:
        dealer.level = level
    if contract_end is not None:
        dealer.contract_end = contract_end
    if rep_login is not None:
        dealer.sales_rep_id = _rep(ctx, rep_login).id
    ctx.session.flush()
    return dealer


def listing(ctx: Context) -> list[dict[str, object]]:
    rows = ctx.session.execute(
        select(Dealer, Customer.name, User.login)
        .join(Customer, Customer.id == Dealer.customer_id)
        .outerjoin(User, User.id == Dealer.sales_rep_id)
        .order_by(Customer.name)
    )
    return [
        {
            "dealer": name,
            "level": d.level,
            "region": d.region,
            "contract_start": d.contract_start,
            "contract_end": d.contract_end,
            "credit_limit": d.credit_limit,
            "credit_used": d.credit_used,
            "available": d.credit_limit - d.credit_used,
            "rep": login,
        }
        for d, name, login in rows
    ]
