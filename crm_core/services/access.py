"""Who may change a record, decided from its owner: the one rule the core's services and the
plugins share (who may *see* one is the visibility policy's, crm_core.kernel.visibility).

An admin may change anything; a salesperson what they own (a customer-scoped row: what belongs
to a customer they own); a manager what is owned by the people of the teams they manage, and
the shared pool. A record the user may not see is not found: reading it through the session
(`visible`) answers exactly as a missing one.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import inspect, select

from crm_core.foundation import i18n
from crm_core.foundation.errors import NotFound, PermissionDenied
from crm_core.hooks.context import Context
from crm_core.hooks.scoping import CustomerScoped, OwnerScoped
from crm_core.kernel.models import Customer, TeamClosure, User

M = TypeVar("M")


def visible(ctx: Context, model: type[M], record_id: int, what: str = "record") -> M:
    """The record `record_id` of `model` as the acting user may see it; NotFound when it is
    missing or hidden, with the same message either way."""
    key = inspect(model).primary_key[0]
    found = ctx.session.scalar(select(model).where(key == record_id))
    if found is None:
        raise NotFound(i18n._("No {entity} {ref}.", entity=what, ref=record_id))
    return found


def owner_of(ctx: Context, record: Any) -> int | None:
    """Who owns a record: its own owner, or (customer-scoped) its customer's owner."""
    if isinstance(record, OwnerScoped):
        return record.owner_id
    if isinstance(record, CustomerScoped):
        customer = ctx.session.get(Customer, record.customer_id)
        return customer.owner_id if customer is not None else None
    return None


def may_change_owned_by(ctx: Context, owner_id: int | None) -> bool:
    """Whether the acting user may change what `owner_id` owns (None: the shared pool)."""
    actor = ctx.actor
    if actor.is_admin or (owner_id is not None and owner_id == actor.id):
        return True
    if actor.role != "manager" or actor.team_id is None:
        return False
    if owner_id is None:
        return True
    owner = ctx.session.get(User, owner_id)
    if owner is None or owner.team_id is None:
        return False
    key = {"ancestor_id": actor.team_id, "descendant_id": owner.team_id}
    return ctx.session.get(TeamClosure, key) is not None


def may_change(ctx: Context, record: Any) -> bool:
    """Whether the acting user may change `record` (an owner- or customer-scoped row)."""
    if not isinstance(record, OwnerScoped | CustomerScoped):
        return ctx.actor.is_admin
    return may_change_owned_by(ctx, owner_of(ctx, record))


def require_may_change(ctx: Context, record: Any, doing: str) -> None:
    """Refuse with PermissionDenied unless the acting user may change `record`."""
    if not may_change(ctx, record):
        raise PermissionDenied(
            i18n._("{login} may not {doing}.", login=ctx.actor.login, doing=doing)
        )
