"""`crm rollups`: the summary tables reports read, their status and rebuilding."""

from __future__ import annotations

import click

from crm_core.api.rollups import RollupRecord
from crm_core.api.serializers import columns_of, to_json
from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit, format_option
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
        with app.desk() as desk:
            found = desk.rollups.status(names, check=check)
        columns = columns_of(RollupRecord)
        emit([to_json(s) for s in found], fmt, columns if check else columns[:-1])
        wrong = [s.rollup for s in found if s.differing]
        if wrong:
            raise CrmError(
                i18n._("rollup differs from its source: {names}", names=", ".join(wrong))
            )

    @rollups.command("rebuild")
    @click.argument("names", nargs=-1)
    @pass_app
    def rebuild(app: App, names: tuple[str, ...]) -> None:
        """Recompute rollups (all, or those named) from their source rows, in one transaction."""
        with app.desk(write=True) as desk:
            sizes = desk.rollups.rebuild(names)
        for name, rows in sizes.items():
            click.echo(i18n._("{name}: {rows} rows", name=name, rows=f"{rows:,}"))

    return rollups


def command() -> click.Command:
    return rollups_group()
