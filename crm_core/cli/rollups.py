"""`crm rollups`: the summary tables reports read, their status and rebuilding."""

from __future__ import annotations

import click

from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit, format_option
from crm_core.features.rollups import maintenance as rollup_upkeep
from crm_core.foundation import i18n
from crm_core.foundation.errors import CrmError


def rollups_group() -> click.Group:
    @click.group("rollups")
    def rollups() -> None:
        """Pre-aggregated totals that reports read (admins).  汇总表。"""

    @rollups.command("status")
    @click.argument("names", nargs=-1)
    @click.option("--check", is_flag=True, help="Compare each rollup with its source rows.")
    @format_option
    @pass_app
    def status(app: App, names: tuple[str, ...], check: bool, fmt: str) -> None:
        """Each rollup's rows and build time; --check exits 1 if one differs from its source."""
        with app.work() as ctx:
            found = rollup_upkeep.status(ctx, names, check=check)
        columns = ["rollup", "rows", "built_at"] + (["differing"] if check else [])
        emit(
            [
                {"rollup": s.name, "rows": s.rows, "built_at": s.built_at, "differing": s.differing}
                for s in found
            ],
            fmt,
            columns,
        )
        wrong = [s.name for s in found if s.differing]
        if wrong:
            raise CrmError(
                i18n._("rollup differs from its source: {names}", names=", ".join(wrong))
            )

    @rollups.command("rebuild")
    @click.argument("names", nargs=-1)
    @pass_app
    def rebuild(app: App, names: tuple[str, ...]) -> None:
        """Recompute rollups (all, or those named) from their source rows, in one transaction."""
        with app.work(write=True) as ctx:
            sizes = rollup_upkeep.rebuild(ctx, names)
        for name, rows in sizes.items():
            click.echo(i18n._("{name}: {rows} rows", name=name, rows=f"{rows:,}"))

    return rollups


def command() -> click.Command:
    return rollups_group()
