"""Customer protection (客户保护): claiming a lead from the pool, releasing it, and expiry.

A claimed customer is protected by the core's visibility and duplicate checks: others see only that
it exists and who holds it. Protection lasts while the holder keeps in touch: a lead (kind
customer, below "signed") with no interaction (or claim) for `protection_days` and no open
business (`crm_open_business`: an open order, money owed, an open project, dealer credit in use)
returns to the shared pool, audited. Suppliers, partners, agents and competitors never expire.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import attrs
from sqlalchemy import ColumnElement, and_, select, update

from crm_core.contract import Context, PermissionDenied, ValidationError, _, customers
from crm_core.contract.models import Customer, User
from crm_core.contract.tables import table_of
from crm_core.contract.transfers import TransferResult, lock_owners, reassign
from crm_customer_resources import settings
from crm_customer_resources.models import CustomerProfile
from crm_customer_resources.services.lifecycle import ensure_profiles

PROTECTED_LEVELS = ("lead", "contacted", "qualified")
_profiles = table_of(CustomerProfile)


def claim(ctx: Context, ref: str) -> TransferResult:
    """Take a customer from the shared pool; refused (naming the holder) if someone holds it."""
    if ctx.actor.id is None:
        raise ValidationError("claim as a user: pass --as LOGIN")
    customer = customers.get(ctx, ref)
    owners = lock_owners(ctx, [customer.id])  # row lock: two claims cannot both win
    holder = owners[customer.id]
    if holder is not None:
        user = ctx.session.get(User, holder)
        name = f"{user.name} ({user.login})" if user else str(holder)
        raise ValidationError(
            _("{customer} is already held by {holder}", customer=customer.name, holder=name)
        )
    if customer.level == "blacklist":
        raise ValidationError(f"{customer.name} is blacklisted")
    result = reassign(ctx, owners, ctx.actor.id, "claimed")
    ensure_profiles(ctx, [customer.id])
    now = ctx.now()
    ctx.session.execute(
        update(_profiles)
        .where(_profiles.c.customer_id == customer.id)
        .values(claimed_at=now, last_activity_at=now)
    )
    return result


def release(ctx: Context, ref: str) -> TransferResult:
    """Give a customer back to the pool (its owner, or their manager)."""
    customer = customers.get(ctx, ref)
    owners = lock_owners(ctx, [customer.id])
    holder = owners[customer.id]
    if holder is None:
        raise ValidationError(f"{customer.name} is already in the pool")
    if ctx.actor.role == "sales" and holder != ctx.actor.id:
        raise PermissionDenied(f"{ctx.actor.login} does not hold {customer.name}")
    return reassign(ctx, owners, None, "released")


@attrs.frozen
class Expiry:
    released: tuple[int, ...]
    cutoff: datetime


def expire(ctx: Context, on: date) -> Expiry:
    """Return to the pool every protected customer whose last activity is older than the limit."""
    if not (ctx.actor.is_admin or ctx.actor.role == "manager"):
        raise PermissionDenied("only a manager or admin may run protection expiry")
    days = int(ctx.settings.get(settings.PROTECTION_DAYS))
    cutoff = datetime.combine(on - timedelta(days=days), time.min, ctx.zone)
    stale = list(
        ctx.session.scalars(
            select(Customer.id)
            .join(CustomerProfile, CustomerProfile.customer_id == Customer.id)
            .where(
                and_(
                    Customer.owner_id.is_not(None),
                    expiring(ctx),
                    CustomerProfile.last_activity_at < cutoff,
                )
            )
            .order_by(Customer.id)
        )
    )
    if not stale:
        return Expiry((), cutoff)
    owners = lock_owners(ctx, stale)
    result = reassign(ctx, owners, None, f"protection expired ({days} days without contact)")
    return Expiry(result.customer_ids, cutoff)


def expiring(ctx: Context) -> ColumnElement[bool]:
    """The customers the protection clock applies to: leads of kind customer with no open business."""
    return and_(
        Customer.kind == "customer",
        Customer.level.in_(PROTECTED_LEVELS),
        customers.without_open_business(ctx, Customer.id),
    )


def protected_until(
    ctx: Context, customer: Customer, profile: CustomerProfile | None
) -> date | None:
    """The day the clock returns `customer` to the pool; None when it never will as things stand."""
    if profile is None or profile.last_activity_at is None:
        return None
    if (
        ctx.session.scalar(select(Customer.id).where(Customer.id == customer.id, expiring(ctx)))
        is None
    ):
        return None
    days = int(ctx.settings.get(settings.PROTECTION_DAYS))
    return (ctx.local(profile.last_activity_at) + timedelta(days=days)).date()
