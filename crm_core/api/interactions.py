"""Interactions (visits, calls, emails, meetings) through the API."""

from __future__ import annotations

import builtins
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import attrs

from crm_core.api.common import KEEP, Keep, Page, check_limit, given, page_of, read_only
from crm_core.hooks.context import Context
from crm_core.kernel.models import Customer, Interaction, User
from crm_core.services import custom_fields, interactions
from crm_core.services.trash import Discarded


@attrs.frozen
class NewInteraction:
    """An interaction of the acting user with `customer` (id or exact name). `kind` is a code or
    label of the `interaction_kind` picklist; `occurred_at` defaults to now (a naive time is in
    the deployment's zone); `next_contact_on` feeds the reminders."""

    customer: int | str
    kind: str
    notes: str | None = None
    contact: int | str | None = None
    occurred_at: datetime | None = None
    next_contact_on: date | None = None
    custom: Mapping[str, str | None] = attrs.field(factory=dict, converter=read_only)


@attrs.frozen
class InteractionQuery:
    """Which interactions to list: by customer, salesperson (login), team (and the teams below
    it), and days (inclusive, in the deployment's zone)."""

    customer: int | str | None = None
    user: str | None = None
    team: str | None = None
    since: date | None = None
    until: date | None = None


@attrs.frozen
class InteractionRecord:
    """`occurred_at` is in the deployment's time zone; `user` is the salesperson's login."""

    id: int
    customer_id: int
    customer: str
    user: str
    kind: str
    occurred_at: datetime
    notes: str | None
    contact_id: int | None
    next_contact_on: date | None
    custom: Mapping[str, Any] = attrs.field(factory=dict, converter=read_only)


@attrs.frozen
class DayCount:
    day: date
    user: str
    kind: str
    count: int


@attrs.frozen
class InteractionChanges:
    """Fields left at KEEP are not changed (None clears notes or the next contact)."""

    kind: str | Keep = KEEP
    notes: str | Keep | None = KEEP
    occurred_at: datetime | Keep = KEEP
    next_contact_on: date | Keep | None = KEEP


class Interactions:
    """`desk.interactions`: log and read the interaction history."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def log(self, new: NewInteraction) -> InteractionRecord:
        done = interactions.log(
            self._ctx,
            str(new.customer),
            new.kind,
            notes=new.notes,
            contact_ref=None if new.contact is None else str(new.contact),
            occurred_at=new.occurred_at,
            next_contact_on=new.next_contact_on,
        )
        custom_fields.write_new(self._ctx, "interactions", done.id, new.custom)
        customer = self._ctx.session.get(Customer, done.customer_id)  # loaded already
        assert customer is not None
        return self._records([(done, customer.name, self._ctx.actor.login)])[0]

    def update(self, interaction_id: int, changes: InteractionChanges) -> InteractionRecord:
        """Correct an interaction (its author, their manager, an admin); audited."""
        done = interactions.update(self._ctx, interaction_id, given(changes))
        customer = self._ctx.session.get(Customer, done.customer_id)
        author = self._ctx.session.get(User, done.user_id)
        assert customer is not None and author is not None
        return self._records([(done, customer.name, author.login)])[0]

    def delete(self, interaction_id: int) -> Discarded:
        """Put an interaction in the recycle bin (`desk.trash.restore` brings it back)."""
        return interactions.delete(self._ctx, interaction_id)

    def list(
        self, query: InteractionQuery | None = None, *, after: int = 0, limit: int = 50
    ) -> Page[InteractionRecord]:
        """One page of the interactions you may see, in id order after `after`."""
        query = query or InteractionQuery()
        found = interactions.list_page(
            self._ctx,
            customer_ref=None if query.customer is None else str(query.customer),
            user_login=query.user,
            team_name=query.team,
            since=query.since,
            until=query.until,
            after_id=after,
            limit=check_limit(limit),
        )
        return page_of(self._records(found), limit, lambda r: r.id)

    def per_day(self, query: InteractionQuery | None = None) -> builtins.list[DayCount]:
        """Counts per local day, salesperson and kind, aggregated in SQL (`customer` is not
        used here)."""
        query = query or InteractionQuery()
        rows = interactions.per_day(
            self._ctx,
            team_name=query.team,
            user_login=query.user,
            since=query.since,
            until=query.until,
        )
        return [
            DayCount(
                date.fromisoformat(str(r["day"])),
                str(r["user"]),
                str(r["kind"]),
                int(str(r["count"])),
            )
            for r in rows
        ]

    def _records(
        self, rows: Sequence[tuple[Interaction, str, str]]
    ) -> tuple[InteractionRecord, ...]:
        custom = custom_fields.values_for(self._ctx, "interactions", [i.id for i, _, _ in rows])
        return tuple(
            InteractionRecord(
                id=i.id,
                customer_id=i.customer_id,
                customer=customer,
                user=login,
                kind=i.kind,
                occurred_at=self._ctx.local(i.occurred_at),
                notes=i.notes,
                contact_id=i.contact_id,
                next_contact_on=i.next_contact_on,
                custom=custom.get(i.id, {}),
            )
            for i, customer, login in rows
        )
