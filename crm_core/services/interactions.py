"""Interactions: logging visits, calls, emails and meetings, and reading them back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import func, select

from crm_core.foundation import i18n
from crm_core.foundation.errors import PermissionDenied, ValidationError
from crm_core.foundation.sqltime import local_day
from crm_core.hooks.context import Context
from crm_core.kernel.models import Customer, Interaction, TeamClosure, User
from crm_core.services import contacts, customers, picklists, trash
from crm_core.services.access import may_change_owned_by, visible
from crm_core.services.common import team_by_name


def check_moment(
    ctx: Context, occurred_at: datetime | None, next_contact_on: date | None
) -> datetime:
    """When an interaction happened (naive times are in the deployment's zone; default now).

    Refuses a moment in the future and a next contact date before the interaction.
    """
    when = occurred_at or ctx.now()
    if when.tzinfo is None:
        when = when.replace(tzinfo=ctx.zone)
    if when > ctx.now():
        raise ValidationError(i18n._("an interaction cannot be logged in the future"))
    if next_contact_on is not None and next_contact_on < when.astimezone(ctx.zone).date():
        raise ValidationError(i18n._("the next contact date lies before the interaction"))
    return when


def log(
    ctx: Context,
    customer_ref: str,
    kind: str,
    *,
    notes: str | None = None,
    contact_ref: str | None = None,
    occurred_at: datetime | None = None,
    next_contact_on: date | None = None,
) -> Interaction:
    resolve = picklists.resolver(ctx, "interaction_kind")
    if resolve is not None:
        kind = resolve(kind)
    if ctx.actor.id is None:
        raise ValidationError("interactions are logged by a user: pass --as LOGIN")
    customer = customers.get(ctx, customer_ref)
    if ctx.actor.role == "sales" and customer.owner_id not in (None, ctx.actor.id):
        raise PermissionDenied(f"{ctx.actor.login} does not own {customer.name}")
    when = check_moment(ctx, occurred_at, next_contact_on)
    contact = contacts.get(ctx, customer, contact_ref) if contact_ref else None
    interaction = Interaction(
        customer_id=customer.id,
        contact_id=contact.id if contact else None,
        user_id=ctx.actor.id,
        kind=kind,
        occurred_at=when,
        notes=notes,
        next_contact_on=next_contact_on,
    )
    ctx.session.add(interaction)
    ctx.session.flush()
    ctx.hook.crm_interactions_logged(ctx=ctx, interactions=[interaction])
    return interaction


#: What a correction may change.
EDITABLE = ("kind", "notes", "occurred_at", "next_contact_on")


def _may_correct(ctx: Context, interaction: Interaction, doing: str) -> None:
    """Its author, a manager of the author, or an admin."""
    if interaction.user_id != ctx.actor.id and not may_change_owned_by(ctx, interaction.user_id):
        raise PermissionDenied(
            i18n._("{login} may not {doing}.", login=ctx.actor.login, doing=doing)
        )


def update(ctx: Context, interaction_id: int, values: Mapping[str, Any]) -> Interaction:
    """Correct an interaction (its kind, notes, moment, next contact); each field is audited."""
    interaction = visible(ctx, Interaction, interaction_id, i18n._("interaction"))
    _may_correct(ctx, interaction, i18n._("change this interaction"))
    unknown = sorted(set(values) - set(EDITABLE))
    if unknown:
        raise ValidationError(f"unknown interaction field {unknown[0]!r}")
    changed = dict(values)
    if changed.get("kind") is not None:
        resolve = picklists.resolver(ctx, "interaction_kind")
        changed["kind"] = resolve(str(changed["kind"])) if resolve else str(changed["kind"])
        if not changed["kind"]:
            raise ValidationError("an interaction needs a kind")
    if "occurred_at" in changed or "next_contact_on" in changed:
        moment = changed.get("occurred_at", interaction.occurred_at)
        follow_up = changed.get("next_contact_on", interaction.next_contact_on)
        changed["occurred_at"] = check_moment(ctx, moment, follow_up)
    if isinstance(changed.get("notes"), str):
        changed["notes"] = changed["notes"].strip() or None
    for field, value in changed.items():
        setattr(interaction, field, value)
    ctx.session.flush()
    ids = [interaction.id]
    ctx.hook.crm_records_changed(
        ctx=ctx,
        entity="interactions",
        ids=ids,
        how="updated",
        customer_ids=[interaction.customer_id],
    )
    return interaction


def delete(ctx: Context, interaction_id: int) -> trash.Discarded:
    """Put an interaction in the recycle bin (logged by mistake, on the wrong customer)."""
    trash.require_deleter(ctx)
    interaction = visible(ctx, Interaction, interaction_id, i18n._("interaction"))
    _may_correct(ctx, interaction, i18n._("delete this interaction"))
    moment = ctx.local(interaction.occurred_at).strftime("%Y-%m-%d %H:%M")
    label = f"{interaction.kind} {moment} (#{interaction.id})"
    return trash.discard(ctx, "interactions", interaction, label)


def _window(
    ctx: Context, since: date | None, until: date | None
) -> tuple[datetime | None, datetime | None]:
    start = datetime.combine(since, time.min, ctx.zone) if since else None
    end = datetime.combine(until, time.max, ctx.zone) if until else None
    return start, end


def list_page(
    ctx: Context,
    *,
    customer_ref: str | None = None,
    user_login: str | None = None,
    team_name: str | None = None,
    since: date | None = None,
    until: date | None = None,
    after_id: int = 0,
    limit: int = 50,
) -> Sequence[tuple[Interaction, str, str]]:
    """Visible interactions, newest id last, filtered by customer, salesperson or team subtree."""
    query = (
        select(Interaction, Customer.name, User.login)
        .join(Customer, Customer.id == Interaction.customer_id)
        .join(User, User.id == Interaction.user_id)
        .where(Interaction.id > after_id)
        .order_by(Interaction.id)
        .limit(limit)
    )
    if customer_ref is not None:
        query = query.where(Interaction.customer_id == customers.get(ctx, customer_ref).id)
    if user_login is not None:
        query = query.where(User.login == user_login)
    if team_name is not None:
        team = team_by_name(ctx, team_name)
        query = query.where(
            User.team_id.in_(
                select(TeamClosure.descendant_id).where(TeamClosure.ancestor_id == team.id)
            )
        )
    start, end = _window(ctx, since, until)
    if start is not None:
        query = query.where(Interaction.occurred_at >= start)
    if end is not None:
        query = query.where(Interaction.occurred_at <= end)
    return [(row[0], row[1], row[2]) for row in ctx.session.execute(query)]


def per_day(
    ctx: Context,
    *,
    team_name: str | None = None,
    user_login: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[dict[str, object]]:
    """Interactions per salesperson per local day, counted in SQL over visible rows."""
    day = local_day(Interaction.occurred_at, str(ctx.settings.get("timezone"))).label("day")
    query = (
        select(day, User.login, Interaction.kind, func.count().label("n"))
        .join(User, User.id == Interaction.user_id)
        .group_by(day, User.login, Interaction.kind)
        .order_by(day, User.login, Interaction.kind)
    )
    if team_name is not None:
        team = team_by_name(ctx, team_name)
        query = query.where(
            User.team_id.in_(
                select(TeamClosure.descendant_id).where(TeamClosure.ancestor_id == team.id)
            )
        )
    if user_login is not None:
        query = query.where(User.login == user_login)
    start, end = _window(ctx, since, until)
    if start is not None:
        query = query.where(Interaction.occurred_at >= start)
    if end is not None:
        query = query.where(Interaction.occurred_at <= end)
    return [
        {"day": str(row.day), "user": row.login, "kind": row.kind, "count": int(row.n)}
        for row in ctx.session.execute(query)
    ]
