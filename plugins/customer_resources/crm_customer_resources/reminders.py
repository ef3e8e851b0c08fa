"""What this block puts on `crm reminders`: stale customers, payments due, dunning, protection."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from crm_core.contract import Context, _
from crm_core.contract.access import owner_is_visible
from crm_core.contract.models import Customer, User
from crm_core.contract.queries import among, owned_by
from crm_core.contract.records import Reminder
from crm_core.contract.reports import rollup_ready
from crm_core.contract.tables import table_of
from crm_customer_resources import settings
from crm_customer_resources.models import CustomerProfile, Installment, Order
from crm_customer_resources.models.rollups import UNPAID_INSTALLMENTS, UnpaidInstallment
from crm_customer_resources.services.protection import expiring

SOURCE = "customer_resources"
_installments_table = table_of(Installment)
_orders_table = table_of(Order)
#: Read beside its customer's model, which the visibility policy filters: the profile is the
#: customer's own 1:1 row, so a check of its own (one more customer lookup per candidate row)
#: adds nothing (docs/visibility.md). Its copy of the customer's owner, kept by triggers, and
#: the (owner, moment) indexes give a team's oldest from its people's index entries alone
#: (a team lead's "not contacted" at a million customers).
_profiles = table_of(CustomerProfile)


def collect(
    ctx: Context,
    user_ids: Sequence[int],
    on: date,
    limit: int | None = None,
    overdue_only: bool = False,
) -> Iterator[Reminder]:
    """Each kind's items for `user_ids`, the earliest due first; at most `limit` of each kind.
    A manager asked about alone also gets the team's overdue payments (催款 escalation).
    `overdue_only` leaves out payments due today and protection ending in the coming week."""
    yield from _stale(ctx, user_ids, on, limit)
    yield from _payments(ctx, user_ids, on, limit, overdue_only)
    if not overdue_only:
        yield from _protection_ending(ctx, user_ids, on, limit)
    if len(user_ids) == 1:
        user = ctx.session.get(User, user_ids[0])
        if user is not None and user.role == "manager":
            yield from _team_dunning(ctx, user.id, on, limit)


def _stale(
    ctx: Context, user_ids: Sequence[int], on: date, limit: int | None
) -> Iterator[Reminder]:
    days = int(ctx.settings.get(settings.STALE_DAYS))
    cutoff = datetime.combine(on - timedelta(days=days), time.min, ctx.zone)
    last = _profiles.c.last_contact_at
    # A large team's oldest: SQLite walks the moment's index instead of reading every entry
    # of its people (`owned_by`).
    query = (
        select(Customer.name, last, Customer.owner_id)
        .select_from(_profiles)
        .join(Customer, Customer.id == _profiles.c.customer_id)
        .where(
            owned_by(ctx.session, _profiles.c.owner_id, user_ids, limit),
            Customer.level != "blacklist",
            last < cutoff,
        )
        .order_by(last, _profiles.c.customer_id)
        .limit(limit)
    )
    for name, moment, owner in ctx.session.execute(query):
        assert moment is not None
        since = ctx.local(moment).date()
        yield Reminder(
            since + timedelta(days=days),
            "not contacted",
            _("no contact since {since} ({days}+ days)", since=since.isoformat(), days=days),
            name,
            SOURCE,
            owner,
        )


def _installments(ctx: Context, on: date) -> tuple[Any, Any, Any]:
    """Unpaid installments of orders not cancelled (an order the ERP closed with money owed is
    still dunned, as the receivables report still lists it) due by `on`, earliest first, with customer and order;
    and its owner and due-day columns, to filter by.

    From the unpaid-installment rollup when it is installed: its (owner, due day) index gives
    a team's earliest without reading their customers' other installments. Otherwise from the
    installments, of which only the customer is read through its model (the visibility policy
    filters it): an installment hangs from its order and the order from that customer, so
    neither needs a check of its own (docs/visibility.md, rule 3)."""
    i, o = _installments_table, _orders_table
    if rollup_ready(ctx, UNPAID_INSTALLMENTS):
        u = UnpaidInstallment
        rolled = (
            select(u.due_on, Customer.name, o.c.number, u.owed, Customer.owner_id)
            .select_from(u)
            .join(i, i.c.id == u.installment_id)
            .join(o, o.c.id == i.c.order_id)
            .join(Customer, Customer.id == o.c.customer_id)
            .where(u.due_on <= on)
            .order_by(u.due_on, u.installment_id)
        )
        return rolled, u.owner_id, u.due_on
    query = (
        select(i.c.due_on, Customer.name, o.c.number, i.c.amount - i.c.paid, Customer.owner_id)
        .select_from(i)
        .join(o, o.c.id == i.c.order_id)
        .join(Customer, Customer.id == o.c.customer_id)
        .where(i.c.paid < i.c.amount, o.c.status != "cancelled", i.c.due_on <= on)
        .order_by(i.c.due_on, i.c.id)
    )
    return query, Customer.owner_id, i.c.due_on


def _payments(
    ctx: Context, user_ids: Sequence[int], on: date, limit: int | None, overdue_only: bool
) -> Iterator[Reminder]:
    # "dunning" (overdue) and "payment due" (today) are two kinds: each gets its own limit.
    overdue, owner, _due = _installments(ctx, on - timedelta(days=1))
    mine = owned_by(ctx.session, owner, user_ids, limit)
    yield from _installment_reminders(ctx, overdue.where(mine).limit(limit), on)
    if not overdue_only:
        today, _owner, due = _installments(ctx, on)
        yield from _installment_reminders(ctx, today.where(mine, due == on).limit(limit), on)


def _installment_reminders(ctx: Context, query: Any, on: date) -> Iterator[Reminder]:
    for due, name, number, owed, owner in ctx.session.execute(query):
        kind = "payment due" if due == on else "dunning"
        what = _("order {number}: {owed} outstanding", number=number, owed=owed)
        yield Reminder(due, kind, what, name, SOURCE, owner)


def _team_dunning(ctx: Context, manager_id: int, on: date, limit: int | None) -> Iterator[Reminder]:
    """Overdue payments of customers held by the people this manager manages (催款 escalation)."""
    overdue, owner, _due = _installments(ctx, on - timedelta(days=1))
    query = (
        overdue.add_columns(User.login)
        .join(User, User.id == Customer.owner_id)
        .where(owner != manager_id, owner_is_visible(owner, manager_id))
        .limit(limit)
    )
    for due, name, number, owed, _owner, login in ctx.session.execute(query):
        yield Reminder(
            due,
            "dunning (team)",
            _(
                "order {number}: {owed} outstanding, held by {login}",
                number=number,
                owed=owed,
                login=login,
            ),
            name,
            SOURCE,
            manager_id,
        )


def _protection_ending(
    ctx: Context, user_ids: Sequence[int], on: date, limit: int | None
) -> Iterator[Reminder]:
    """Protection that ends within the coming week (already ended: the expiry job's business),
    for the customers the clock applies to (`protection.expiring`)."""
    days = int(ctx.settings.get(settings.PROTECTION_DAYS))
    ended = datetime.combine(on - timedelta(days=days), time.min, ctx.zone)
    week = datetime.combine(on - timedelta(days=days - 7), time.min, ctx.zone)
    last = _profiles.c.last_activity_at
    query = (
        select(Customer.name, last, Customer.owner_id)
        .select_from(_profiles)
        .join(Customer, Customer.id == _profiles.c.customer_id)
        .where(
            among(ctx.session, _profiles.c.owner_id, user_ids),
            expiring(ctx),
            last >= ended,
            last < week,
        )
        .order_by(last, _profiles.c.customer_id)
        .limit(limit)
    )
    for name, moment, owner in ctx.session.execute(query):
        if moment is None:
            continue
        ends = ctx.local(moment).date() + timedelta(days=days)
        yield Reminder(
            ends,
            "protection ends",
            _("log an interaction or the customer returns to the pool"),
            name,
            SOURCE,
            owner,
        )
