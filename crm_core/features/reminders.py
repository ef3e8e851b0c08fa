"""Reminders: what is due for a user on a day, gathered from the core and every enabled plugin;
a manager also sees what is overdue in their team. A digest is the same list as plain text, for
mail or instant message, delivered by whichever plugin answers `crm_deliver_reminder_digest`."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import attrs
from sqlalchemy import select

from crm_core.foundation import i18n
from crm_core.foundation.errors import CrmError, PluginError
from crm_core.hooks.context import Context
from crm_core.hooks.reminders import Digest, Reminder
from crm_core.kernel.models import TeamClosure, User
from crm_core.kernel.planner import without_parallel_workers
from crm_core.services.common import require_manages, user_by_login

#: Items of each kind a short list holds (the dashboard, `crm reminders` without `--all`): a top
#: manager's every overdue item at a million customers is 1.7 million rows.
FIRST_ITEMS = 50
COLUMNS = ("due_on", "overdue_days", "person", "kind", "customer", "what", "source")


def _target(ctx: Context, user_login: str | None) -> User | None:
    if user_login is None:
        if ctx.actor.id is None:
            return None
        return ctx.session.get(User, ctx.actor.id)
    user = user_by_login(ctx, user_login)
    require_manages(ctx, user, "read reminders")
    return user


@attrs.frozen
class _Person:
    id: int
    login: str


def _team_members(ctx: Context, manager: User) -> list[_Person]:
    """Active users whose team lies in the manager's subtree, the manager excluded (their id
    and login only: a top manager's team is 2,000 people, too many to load as ORM objects)."""
    if manager.role != "manager" or manager.team_id is None:
        return []
    subtree = select(TeamClosure.descendant_id).where(TeamClosure.ancestor_id == manager.team_id)
    return [
        _Person(user_id, login)
        for user_id, login in ctx.session.execute(
            select(User.id, User.login)
            .where(User.team_id.in_(subtree), User.id != manager.id, User.active.is_(True))
            .order_by(User.login)
        )
    ]


def _earliest_of_each_kind(items: list[Reminder], limit: int | None) -> list[Reminder]:
    """The first `limit` items of each kind by due date (all of them without a limit)."""
    if limit is None:
        return items
    kept: dict[str, list[Reminder]] = {}
    for item in sorted(items, key=lambda r: r.due_on):
        same_kind = kept.setdefault(item.kind, [])
        if len(same_kind) < limit:
            same_kind.append(item)
    return [item for group in kept.values() for item in group]


def _rows(
    ctx: Context, people: list[_Person], on: date, only_overdue: bool, limit: int | None
) -> list[dict[str, Any]]:
    """One call of every collector for all of `people` (a manager's whole team at once)."""
    if not people:
        return []
    logins = {user.id: user.login for user in people}
    found: list[Reminder] = ctx.hook.collect(
        "crm_collect_reminders",
        ctx=ctx,
        user_ids=list(logins),
        on=on,
        limit=limit,
        overdue_only=only_overdue,
    )
    for item in found:
        if item.person_id is None and len(people) > 1:
            raise PluginError(
                f"reminder {item.kind!r} from {item.source} names no person_id, but "
                "crm_collect_reminders was asked about several people"
            )
        if item.person_id is not None and item.person_id not in logins:
            raise PluginError(
                f"reminder {item.kind!r} from {item.source} is for user {item.person_id}, "
                "who was not asked about"
            )
    items = _earliest_of_each_kind(found, limit)
    return [
        {
            "due_on": r.due_on.isoformat(),
            "overdue_days": (on - r.due_on).days,
            "person": people[0].login if r.person_id is None else logins[r.person_id],
            "kind": r.kind,
            "customer": r.customer,
            "what": r.what,
            "source": r.source,
        }
        for r in items
        if not only_overdue or r.due_on < on
    ]


def collect(
    ctx: Context, on: date, user_login: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Reminders due on or before `on` for `user_login` (default: the acting user); for a
    manager, also every overdue item of the people in their team. With `limit`, at most that
    many items of each kind for the user, and as many for the team, the earliest due first."""
    user = _target(ctx, user_login)
    if user is None:
        return []
    # A dozen small index-driven reads: parallel workers cost more than they save (0019).
    without_parallel_workers(ctx.session)
    rows = _rows(ctx, [_Person(user.id, user.login)], on, only_overdue=False, limit=limit)
    rows.extend(_rows(ctx, _team_members(ctx, user), on, only_overdue=True, limit=limit))
    own = user.login
    rows.sort(
        key=lambda r: (
            r["person"] != own,
            r["due_on"],
            r["person"],
            r["kind"],
            r["customer"] or "",
            r["what"],
        )
    )
    return rows


def reached_limit(rows: list[dict[str, Any]], limit: int, login: str) -> bool:
    """Whether `collect(..., limit)` may have left items out: some kind has `limit` items for
    `login`, or `limit` for the team."""
    counts = Counter((row["person"] == login, row["kind"]) for row in rows)
    return any(count >= limit for count in counts.values())


def _line(row: dict[str, Any], with_person: bool) -> str:
    who = f"{row['person']} " if with_person else ""
    customer = f"{row['customer']}: " if row["customer"] else ""
    late = (
        " " + i18n._("({days} days overdue)", days=row["overdue_days"])
        if row["overdue_days"] > 0
        else ""
    )
    return f"  - {who}{row['due_on']} [{i18n._(row['kind'])}] {customer}{row['what']}{late}"


def digest(
    ctx: Context, on: date, user_login: str | None = None, limit: int | None = None
) -> Digest:
    """The reminders as a plain-text message: overdue, due today, then the team's overdue."""
    user = _target(ctx, user_login)
    if user is None:
        raise CrmError("reminders need an acting user (--as LOGIN)")
    rows = collect(ctx, on, user.login, limit)
    own = [r for r in rows if r["person"] == user.login]
    sections = (
        (i18n._("Overdue"), [r for r in own if r["overdue_days"] > 0], False),
        (i18n._("Due today"), [r for r in own if r["overdue_days"] <= 0], False),
        (i18n._("Overdue in your team"), [r for r in rows if r["person"] != user.login], True),
    )
    subject = i18n._(
        "Reminders for {name} on {day}: {count} item(s)",
        name=user.name,
        day=on.isoformat(),
        count=len(rows),
    )
    lines = [subject, ""]
    for heading, items, with_person in sections:
        if not items:
            continue
        lines.append(f"{heading} ({len(items)})")
        lines.extend(_line(r, with_person) for r in items)
        lines.append("")
    if not rows:
        lines.append(i18n._("Nothing due."))
    return Digest(
        user.login,
        user.name,
        user.email,
        on,
        subject,
        "\n".join(lines).rstrip() + "\n",
        tuple(rows),
    )


def deliver(ctx: Context, message: Digest) -> list[str]:
    """Hand the digest to every delivering plugin; returns where it went."""
    places = [
        place
        for place in ctx.hook.crm_deliver_reminder_digest(ctx=ctx, digest=message)
        if place is not None
    ]
    if not places:
        raise CrmError(
            i18n._(
                "nothing delivers digests here: set reminders_outbox to a folder "
                "or enable a plugin that sends them"
            )
        )
    return places
