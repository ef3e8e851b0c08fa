"""Keeping a deployment's rollups installed, rebuilt and checked (see crm_core.rollups)."""

from __future__ import annotations

import attrs
from sqlalchemy import select

from crm_core import rollups
from crm_core.context import Context
from crm_core.db import table_of
from crm_core.errors import PermissionDenied, ValidationError


@attrs.frozen
class RollupStatus:
    name: str
    rows: int
    built_at: str
    differing: int | None = None


def _zone(ctx: Context) -> str:
    return str(ctx.settings.get("timezone"))


def sync(ctx: Context) -> list[str]:
    """Install every registered rollup whose SQL changed; returns those rebuilt."""
    return rollups.sync(ctx.session.connection(), rollups.registry(ctx.hook), _zone(ctx))


def _chosen(ctx: Context, names: tuple[str, ...]) -> list[rollups.Spec]:
    known = {rollup.name: rollup for rollup in rollups.registry(ctx.hook)}
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise ValidationError(f"no rollup {', '.join(unknown)} (see `crm rollups status`)")
    return [known[name] for name in names] if names else list(known.values())


def rebuild(ctx: Context, names: tuple[str, ...] = ()) -> dict[str, int]:
    """Recompute rollups from their source (admins only); returns their sizes."""
    if not ctx.actor.is_admin:
        raise PermissionDenied("only an admin may rebuild rollups")
    sync(ctx)
    registered = rollups.registry(ctx.hook)
    return rollups.rebuild(
        ctx.session.connection(), _chosen(ctx, names), _zone(ctx), among=registered
    )


def status(ctx: Context, names: tuple[str, ...] = (), *, check: bool = False) -> list[RollupStatus]:
    """Each rollup's size and build time; with `check`, the keys differing from the source."""
    if not ctx.actor.is_admin:
        raise PermissionDenied("only an admin may inspect rollups")
    connection = ctx.session.connection()
    state = table_of(rollups.RollupState)
    built = {name: at for name, at in connection.execute(select(state.c.name, state.c.built_at))}
    found = []
    for rollup in _chosen(ctx, names):
        rows = int(connection.exec_driver_sql(f"SELECT count(*) FROM {rollup.name}").scalar_one())
        differing = rollups.differences(connection, rollup, _zone(ctx)) if check else None
        moment = built.get(rollup.name)
        found.append(
            RollupStatus(rollup.name, rows, moment.isoformat() if moment else "", differing)
        )
    return found
