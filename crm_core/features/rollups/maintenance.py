"""Keeping a deployment's rollups installed, rebuilt and checked (see crm_core.features.rollups)."""

from __future__ import annotations

import attrs
from sqlalchemy import select

from crm_core.features import rollups
from crm_core.foundation.errors import PermissionDenied, ValidationError
from crm_core.foundation.schema import table_of
from crm_core.hooks.context import Context
from crm_core.hooks.rollups import ROLLUPS, Spec


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
    return rollups.sync(ctx.session.connection(), list(ctx.registry(ROLLUPS).values()), _zone(ctx))


def _chosen(ctx: Context, names: tuple[str, ...]) -> list[Spec]:
    known = {rollup.name: rollup for rollup in list(ctx.registry(ROLLUPS).values())}
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise ValidationError(f"no rollup {', '.join(unknown)} (see `crm rollups status`)")
    return [known[name] for name in names] if names else list(known.values())


def rebuild(ctx: Context, names: tuple[str, ...] = ()) -> dict[str, int]:
    """Recompute rollups from their source (admins only); returns their sizes."""
    if not ctx.actor.is_admin:
        raise PermissionDenied("only an admin may rebuild rollups")
    sync(ctx)
    registered = list(ctx.registry(ROLLUPS).values())
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
