"""Transferring customers to another owner: one customer, or everything a leaving salesperson held.

One transaction, all or nothing. The core moves the customer rows (bulk UPDATE), closes and
opens ownership periods (so past business stays attributed to the old owner), writes one audit
row per customer, moves the open follow-ups the previous owner was to do, then asks every
enabled plugin to move its own records through `crm_customers_transferred`. Contacts and
interactions are customer-scoped and follow the customer by construction.

A preview (`dry_run`) does all of it in a savepoint and rolls the savepoint back: what it reports
is exactly what the transfer would move.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
from sqlalchemy import ColumnElement, Table, func, insert, select, update

from crm_core.foundation import i18n
from crm_core.foundation.errors import ConflictError, PermissionDenied, ValidationError
from crm_core.foundation.schema import table_of
from crm_core.hooks.changes import Transfer
from crm_core.hooks.context import Context
from crm_core.kernel import audit_trail, batches
from crm_core.kernel.models import (
    Contact,
    Customer,
    FollowUp,
    Interaction,
    OwnershipPeriod,
    User,
)
from crm_core.kernel.planner import among, id_batches
from crm_core.services import customers, users
from crm_core.services.common import chunks, require_manages, user_by_login

_customers = table_of(Customer)
_periods = table_of(OwnershipPeriod)
_follow_ups = table_of(FollowUp)


class _Preview(Exception):
    """Raised inside a preview's savepoint to roll it back."""


@attrs.frozen
class TransferResult:
    to_login: str
    customer_ids: tuple[int, ...]
    moved: dict[str, int]
    #: A preview: nothing was changed.
    dry_run: bool = False
    #: The leaver of a `transfer_all`, when they now hold no customer.
    leaver: str | None = None
    #: Whether the leaver was deactivated in the same transaction.
    deactivated: bool = False

    @property
    def message(self) -> str:
        if self.dry_run:
            text = i18n._(
                "Would transfer {count} customers to {login} (preview: nothing changed).",
                count=len(self.customer_ids),
                login=self.to_login,
            )
        else:
            text = i18n._(
                "Transferred {count} customers to {login}.",
                count=len(self.customer_ids),
                login=self.to_login,
            )
        if self.deactivated:
            text += " " + i18n._("{login} is deactivated.", login=self.leaver)
        elif self.leaver and not self.dry_run:
            text += " " + i18n._(
                "{login} holds no customers now; to deactivate: crm users change {login} "
                "--inactive",
                login=self.leaver,
            )
        return text


def transfer_customers(
    ctx: Context,
    refs: Sequence[str],
    to_login: str,
    reason: str | None = None,
    *,
    dry_run: bool = False,
) -> TransferResult:
    if not refs:
        raise ValidationError("name at least one customer")
    found = {c.id: c for c in (customers.get(ctx, ref) for ref in refs)}
    seen = {cid: found[cid].owner_id for cid in sorted(found)}
    return _previewed(ctx, dry_run, lambda: _transfer(ctx, seen, to_login, reason))


def transfer_all(
    ctx: Context,
    from_login: str,
    to_login: str,
    reason: str | None = None,
    *,
    dry_run: bool = False,
    deactivate: bool = False,
) -> TransferResult:
    """Everything `from_login` owns (a salesperson leaving), to `to_login`; `deactivate` also
    deactivates the leaver in the same transaction (an admin's right)."""
    source = user_by_login(ctx, from_login)
    require_manages(ctx, source, "transfer customers")
    if deactivate and not ctx.actor.is_admin:
        raise PermissionDenied(f"{ctx.actor.login} may not deactivate users (admins only)")
    if deactivate and source.login == to_login:
        raise ValidationError(f"{from_login} cannot be deactivated: they receive the customers")
    # Ids come through the ORM, so the actor's visibility applies; a manager sees the whole
    # subtree, so this is every customer of `source`.
    ids = ctx.session.scalars(
        select(Customer.id).where(Customer.owner_id == source.id).order_by(Customer.id)
    )
    seen: dict[int, int | None] = dict.fromkeys(ids, source.id)

    def run() -> TransferResult:
        result = _transfer(ctx, seen, to_login, reason or f"transfer from {from_login}")
        if deactivate:
            users.change(ctx, from_login, active=False)
        return attrs.evolve(result, leaver=source.login, deactivated=deactivate)

    return _previewed(ctx, dry_run, run)


def _previewed(ctx: Context, dry_run: bool, run: Any) -> TransferResult:
    """`run()`, or when `dry_run` its result with everything it wrote rolled back."""
    if not dry_run:
        result: TransferResult = run()
        return result
    outcome: list[TransferResult] = []
    try:
        with ctx.session.begin_nested():
            outcome.append(run())
            raise _Preview
    except _Preview:
        pass
    ctx.session.expire_all()
    return attrs.evolve(outcome[0], dry_run=True)


def _transfer(
    ctx: Context, seen: dict[int, int | None], to_login: str, reason: str | None
) -> TransferResult:
    """Move the customers whose owners the caller saw as `seen`; if another transfer changed
    an owner in between, refuse (ConflictError) rather than move it from someone unexpected."""
    if ctx.actor.role == "sales":
        raise PermissionDenied(f"{ctx.actor.login} (sales) may not transfer customers")
    target = user_by_login(ctx, to_login)
    if not target.active:
        raise ValidationError(f"user {to_login} is deactivated")
    require_manages(ctx, target, "transfer customers")
    previous = locked_owners(ctx, list(seen))
    # Gone from view, or another owner: a concurrent transfer got there first.
    moved_meanwhile = sorted(
        cid for cid, owner in seen.items() if cid not in previous or previous[cid] != owner
    )
    if moved_meanwhile:
        raise ConflictError(
            i18n._(
                "Customer {ids} changed owner while you were transferring it; look again and retry.",
                ids=", ".join(map(str, moved_meanwhile[:5])),
            )
        )
    for owner_id in {o for o in previous.values() if o is not None}:
        owner = ctx.session.get(User, owner_id)
        assert owner is not None
        require_manages(ctx, owner, "transfer customers")
    return reassign(ctx, previous, target.id, reason)


def reassign(
    ctx: Context, previous: dict[int, int | None], to_user_id: int | None, reason: str | None
) -> TransferResult:
    """Give customers (locked, with their current owners) to `to_user_id` (None: the pool).

    The one way ownership changes: bulk UPDATE, ownership periods, one audit row per customer,
    and `crm_customers_transferred` so every plugin moves its own records. Callers check rights.
    """
    moving = sorted(cid for cid, owner in previous.items() if owner != to_user_id)
    now = ctx.now()
    for batch in id_batches(ctx.session, moving):
        with batches.customers_changing(ctx.session, batch):
            ctx.session.execute(
                update(_customers)
                .where(among(ctx.session, _customers.c.id, batch))
                .values(owner_id=to_user_id, updated_at=now)
            )
        ctx.session.execute(
            update(_periods)
            .where(among(ctx.session, _periods.c.customer_id, batch), _periods.c.ended_at.is_(None))
            .values(ended_at=now)
        )
    if moving:
        ctx.session.execute(
            insert(_periods),
            [
                {
                    "customer_id": cid,
                    "owner_id": to_user_id,
                    "started_at": now,
                    "ended_at": None,
                    "reason": reason,
                }
                for cid in moving
            ],
        )
        audit_trail.record(
            ctx.session,
            [
                {
                    "action": "transfer",
                    "entity": "crm_customer",
                    "entity_id": str(cid),
                    "field": "owner_id",
                    "old_value": audit_trail.render(previous[cid]),
                    "new_value": audit_trail.render(to_user_id),
                }
                for cid in moving
            ],
        )
    ctx.session.expire_all()
    moved: dict[str, int] = {"customers": len(moving)}
    if moving:
        moved["contacts"] = _count(ctx, Contact, moving)
        moved["interactions"] = _count(ctx, Interaction, moving)
        transfer = Transfer(
            tuple(moving), to_user_id, {cid: previous[cid] for cid in moving}, reason
        )
        follow_ups = move_assigned(
            ctx,
            transfer,
            _follow_ups,
            _follow_ups.c.assignee_id,
            _follow_ups.c.done_at.is_(None),
        )
        moved["open follow-ups"] = len(follow_ups)
        for answer in ctx.hook.crm_customers_transferred(ctx=ctx, transfer=transfer):
            for label, count in (answer or {}).items():
                moved[label] = moved.get(label, 0) + int(count)
    target = ctx.session.get(User, to_user_id) if to_user_id is not None else None
    return TransferResult(target.login if target else "", tuple(moving), moved)


def move_assigned(
    ctx: Context,
    transfer: Transfer,
    table: Table,
    assignee: ColumnElement[Any],
    *still_open: ColumnElement[bool],
) -> list[int]:
    """Give the new owner the open items of the moved customers that were assigned to each
    customer's previous owner (follow-ups, tasks, service cases); items assigned to anyone
    else stay theirs. One UPDATE per previous owner and batch, audited; returns the ids moved.
    Nothing moves when the customers go to the shared pool."""
    if transfer.to_user_id is None:
        return []
    by_previous: dict[int, list[int]] = {}
    for cid in transfer.customer_ids:
        owner = transfer.previous_owners.get(cid)
        if owner is not None:
            by_previous.setdefault(owner, []).append(cid)
    moved: list[int] = []
    for owner, customer_ids in by_previous.items():
        for batch in id_batches(ctx.session, customer_ids):
            ids = list(
                ctx.session.scalars(
                    update(table)
                    .where(
                        among(ctx.session, table.c.customer_id, batch),
                        assignee == owner,
                        *still_open,
                    )
                    .values({assignee.key: transfer.to_user_id})
                    .returning(table.c.id)
                )
            )
            audit_trail.record_field(
                ctx.session, table.name, ids, str(assignee.key), transfer.to_user_id, "transfer"
            )
            moved.extend(ids)
    return moved


def locked_owners(ctx: Context, ids: list[int]) -> dict[int, int | None]:
    """Current owners of the customers the actor may (still) see, rows locked against
    concurrent transfers (FOR UPDATE on PostgreSQL; SQLite holds the write lock since BEGIN
    IMMEDIATE)."""
    owners: dict[int, int | None] = {}
    for batch in chunks(ids):
        query = select(Customer.id, Customer.owner_id).where(Customer.id.in_(batch))
        if ctx.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        owners.update({row[0]: row[1] for row in ctx.session.execute(query)})
    return owners


def lock_owners(ctx: Context, ids: list[int]) -> dict[int, int | None]:
    """`locked_owners`, refused when any customer is not visible to the actor."""
    owners = locked_owners(ctx, ids)
    unseen = [cid for cid in ids if cid not in owners]
    if unseen:
        raise PermissionDenied(f"{ctx.actor.login} may not see customer(s) {unseen[:5]}")
    return owners


def _count(ctx: Context, model: type[Contact] | type[Interaction], ids: list[int]) -> int:
    total = 0
    for batch in chunks(ids):
        total += (
            ctx.session.scalar(
                select(func.count()).select_from(model).where(model.customer_id.in_(batch))
            )
            or 0
        )
    return total
