"""Teams and their reports-to hierarchy, kept with a closure table for one-join subtree lookups."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, delete, insert, literal, select, true

from crm_core.foundation.errors import DuplicateError, ValidationError
from crm_core.foundation.schema import table_of
from crm_core.hooks.context import Context
from crm_core.kernel.models import Team, TeamClosure
from crm_core.services.common import require_role, team_by_name

_closure = table_of(TeamClosure)


def add(ctx: Context, name: str, parent_name: str | None = None) -> Team:
    require_role(ctx, {"admin"}, "add teams")
    name = name.strip()
    if not name:
        raise ValidationError("a team needs a name")
    if ctx.session.scalar(select(Team.id).where(Team.name == name)) is not None:
        raise DuplicateError(f"team {name!r} already exists")
    parent = team_by_name(ctx, parent_name) if parent_name else None
    team = Team(name=name, parent_id=parent.id if parent else None)
    ctx.session.add(team)
    ctx.session.flush()
    _link(ctx, team.id, parent.id if parent else None)
    return team


def _link(ctx: Context, team_id: int, parent_id: int | None) -> None:
    """Closure rows for `team_id` (and its existing subtree) under `parent_id`'s ancestors."""
    ctx.session.execute(
        insert(_closure).from_select(
            ["ancestor_id", "descendant_id", "depth"],
            select(literal(team_id), literal(team_id), literal(0)).where(
                ~select(_closure.c.ancestor_id)
                .where(_closure.c.ancestor_id == team_id, _closure.c.descendant_id == team_id)
                .exists()
            ),
        )
    )
    if parent_id is None:
        return
    up = _closure.alias("up")
    down = _closure.alias("down")
    ctx.session.execute(
        insert(_closure).from_select(
            ["ancestor_id", "descendant_id", "depth"],
            select(up.c.ancestor_id, down.c.descendant_id, up.c.depth + down.c.depth + 1)
            .select_from(up.join(down, true()))  # every ancestor x every descendant
            .where(up.c.descendant_id == parent_id)
            .where(down.c.ancestor_id == team_id),
        )
    )


def move(ctx: Context, name: str, parent_name: str | None) -> Team:
    """Re-parent a team with its whole subtree; refuses to put a team under its own subtree."""
    require_role(ctx, {"admin"}, "move teams")
    team = team_by_name(ctx, name)
    parent = team_by_name(ctx, parent_name) if parent_name else None
    if parent is not None:
        inside = ctx.session.get(TeamClosure, {"ancestor_id": team.id, "descendant_id": parent.id})
        if inside is not None:
            raise ValidationError(f"team {parent.name!r} is inside {team.name!r}; that is a cycle")
    subtree = select(_closure.c.descendant_id).where(_closure.c.ancestor_id == team.id)
    outside = select(_closure.c.ancestor_id).where(
        _closure.c.descendant_id == team.id, _closure.c.ancestor_id != team.id
    )
    ctx.session.execute(
        delete(_closure).where(
            and_(_closure.c.descendant_id.in_(subtree), _closure.c.ancestor_id.in_(outside))
        )
    )
    team.parent_id = parent.id if parent else None
    ctx.session.flush()
    if parent is not None:
        _link(ctx, team.id, parent.id)
    return team


def list_all(ctx: Context) -> Sequence[tuple[Team, str | None, int]]:
    """Every team with its parent's name and its depth in the hierarchy, in tree order."""
    depth = (
        select(TeamClosure.depth)
        .where(TeamClosure.descendant_id == Team.id)
        .order_by(TeamClosure.depth.desc())
        .limit(1)
        .scalar_subquery()
    )
    parent = table_of(Team).alias("parent")
    rows = ctx.session.execute(
        select(Team, parent.c.name, depth).outerjoin(parent, parent.c.id == Team.parent_id)
    ).all()
    by_parent: dict[int | None, list[tuple[Team, str | None, int]]] = {}
    for team, parent_name, level in rows:
        by_parent.setdefault(team.parent_id, []).append((team, parent_name, int(level or 0)))
    ordered: list[tuple[Team, str | None, int]] = []

    def walk(parent_id: int | None) -> None:
        for row in sorted(by_parent.get(parent_id, []), key=lambda r: r[0].name):
            ordered.append(row)
            walk(row[0].id)

    walk(None)
    return ordered
