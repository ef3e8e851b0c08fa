"""Small helpers the services share: resolving references, batching ids, who may act for whom."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, func, select

from crm_core.foundation import i18n
from crm_core.foundation.errors import NotFound, PermissionDenied
from crm_core.hooks.context import Context
from crm_core.kernel.models import Team, TeamClosure, User
from crm_core.kernel.planner import BATCH

T = TypeVar("T")


def chunks(items: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def user_by_login(ctx: Context, login: str) -> User:
    user = ctx.session.scalar(select(User).where(User.login == login))
    if user is None:
        raise NotFound(i18n._("No user {login}.", login=login))
    return user


def team_by_name(ctx: Context, name: str) -> Team:
    team = ctx.session.scalar(select(Team).where(Team.name == name))
    if team is None:
        raise NotFound(i18n._("No team {name}.", name=name))
    return team


def manages(ctx: Context, user: User) -> bool:
    """True when the acting user may act for `user`: admin, the user themself, or their manager."""
    actor = ctx.actor
    if actor.is_admin or actor.id == user.id:
        return True
    if actor.role != "manager" or actor.team_id is None or user.team_id is None:
        return False
    return (
        ctx.session.get(TeamClosure, {"ancestor_id": actor.team_id, "descendant_id": user.team_id})
        is not None
    )


def require_manages(ctx: Context, user: User, doing: str) -> None:
    if not manages(ctx, user):
        raise PermissionDenied(f"{ctx.actor.login} may not {doing} for {user.login}")


def require_role(ctx: Context, roles: set[str], doing: str) -> None:
    if not (ctx.actor.is_admin or ctx.actor.role in roles):
        raise PermissionDenied(f"{ctx.actor.login} ({ctx.actor.role}) may not {doing}")


def capped_count(ctx: Context, query: Select[Any], cap: int) -> int:
    """The rows `query` selects, reading at most `cap` + 1 of them (`cap` + 1: "more than cap")."""
    limited = query.limit(cap + 1).subquery()
    return int(ctx.session.scalar(select(func.count()).select_from(limited)) or 0)
