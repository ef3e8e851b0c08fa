"""Customer levels (lead -> contacted -> qualified -> signed, plus blacklist) and grades 1-5."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, literal, select, update

from crm_core.contract import Context, PermissionDenied, ValidationError, customers, writes
from crm_core.contract.models import Customer
from crm_core.contract.queries import chunks
from crm_core.contract.records import CustomerChange
from crm_core.contract.tables import UTCDateTime, table_of
from crm_customer_resources import settings
from crm_customer_resources.models import LEVELS, CustomerProfile, Order

ORDERED = LEVELS[:4]
_profiles = table_of(CustomerProfile)
_orders = table_of(Order)
_customers = table_of(Customer)


#: Levels a salesperson may not give a customer they create: a signed customer is protected
#: for good, a blacklisted one is out of everyone's reach.
ARRIVE_BY_DECISION = ("signed", "blacklist")


def check_level_changes(ctx: Context, changes: Sequence[CustomerChange]) -> None:
    """Levels must be known; moving backwards or in and out of the blacklist needs a manager, as
    does creating a customer at signed or blacklist."""
    for change in changes:
        new = change.after.get("level") or "lead"
        if new not in LEVELS:
            raise ValidationError(
                f"{change.label}: level must be one of {', '.join(LEVELS)}, not {new!r}"
            )
        if change.before is None:
            if new in ARRIVE_BY_DECISION and ctx.actor.role == "sales":
                raise PermissionDenied(
                    f"{change.label}: a new customer starts as lead, contacted or qualified; "
                    f"{new} is a manager's decision (a signed customer never returns to the pool)"
                )
            continue
        old = change.before.get("level") or "lead"
        if old == new:
            continue
        backwards = old in ORDERED and new in ORDERED and ORDERED.index(new) < ORDERED.index(old)
        if (backwards or "blacklist" in (old, new)) and ctx.actor.role == "sales":
            raise PermissionDenied(
                f"{change.label}: only a manager may move a customer from {old} to {new}"
            )


#: From this many new profiles at once, SQLite's rollups over profiles count them in one
#: statement (`writes.customer_rows_inserting`) instead of a trigger per row.
MANY_PROFILES = 50


def ensure_profiles(ctx: Context, customer_ids: Sequence[int]) -> None:
    """A profile row for each customer that has none (one INSERT ... SELECT per batch)."""
    now = literal(ctx.now(), UTCDateTime())
    missing = [
        customer_id
        for batch in chunks(sorted(set(customer_ids)))
        for customer_id in ctx.session.scalars(
            select(_customers.c.id).where(_customers.c.id.in_(batch), ~_has_profile())
        )
    ]
    if not missing:
        return
    with (
        writes.customer_rows_inserting(ctx.session, _profiles.name, missing)
        if len(missing) >= MANY_PROFILES
        else nullcontext()
    ):
        for batch in chunks(missing):
            ctx.session.execute(
                insert(_profiles).from_select(
                    ["customer_id", "last_activity_at", "last_contact_at"],
                    select(_customers.c.id, now, _customers.c.created_at).where(
                        _customers.c.id.in_(batch)
                    ),
                )
            )


def _has_profile() -> Any:
    return (
        select(_profiles.c.customer_id).where(_profiles.c.customer_id == _customers.c.id).exists()
    )


def backfill_profiles(ctx: Context) -> None:
    """Profiles for every customer registered before this block was enabled (INSERT ... SELECT)."""
    missing = select(_customers.c.id, _customers.c.created_at, _customers.c.created_at).where(
        ~_has_profile()
    )
    ctx.session.execute(
        insert(_profiles).from_select(
            ["customer_id", "last_activity_at", "last_contact_at"], missing
        )
    )


def grade_for(total: Decimal, limits: list[Decimal]) -> int:
    return 1 + sum(1 for limit in limits if total >= limit)


def recompute_grades(ctx: Context, customer_ids: Sequence[int]) -> None:
    """Grade signed customers from their non-cancelled order totals; others have no grade."""
    limits = settings.thresholds(ctx)
    for batch in chunks(list(customer_ids)):
        totals = dict(
            ctx.session.execute(
                select(_orders.c.customer_id, func.sum(_orders.c.total))
                .where(_orders.c.customer_id.in_(batch), _orders.c.status != "cancelled")
                .group_by(_orders.c.customer_id)
            ).all()
        )
        levels = dict(
            ctx.session.execute(
                select(_customers.c.id, _customers.c.level).where(_customers.c.id.in_(batch))
            ).all()
        )
        for cid in batch:
            grade = (
                grade_for(totals.get(cid) or Decimal(0), limits)
                if levels.get(cid) == "signed"
                else None
            )
            ctx.session.execute(
                update(_profiles).where(_profiles.c.customer_id == cid).values(grade=grade)
            )


def set_grade(ctx: Context, ref: str, grade: int | None) -> CustomerProfile:
    """Override the grade by hand (managers and admins), or clear the override with None."""
    if ctx.actor.role == "sales":
        raise PermissionDenied("only a manager may set a grade by hand")
    if grade is not None and not 1 <= grade <= 5:
        raise ValidationError("a grade is 1 to 5")
    customer = customers.get(ctx, ref)
    ensure_profiles(ctx, [customer.id])
    profile = ctx.session.get(CustomerProfile, customer.id)
    assert profile is not None
    profile.grade_override = grade
    ctx.session.flush()
    return profile


def mark_contacted(ctx: Context, customer_ids: Sequence[int]) -> None:
    """A lead becomes "contacted" at its first logged interaction (through the core, so audited)."""
    for cid in customer_ids:
        customer = ctx.session.get(Customer, cid)
        if customer is not None and customer.level == "lead":
            customers.set_level(ctx, str(cid), "contacted")
