"""`crm sync`: the daily exchange with an ERP (export changes, import statuses idempotently)."""

from __future__ import annotations

from pathlib import Path

import click

from crm_core.api.serializers import counted
from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit, format_option


def sync_group() -> click.Group:
    @click.group("sync")
    def group() -> None:
        """Exchange with an ERP: changed records out, order and payment status in.  ERP 同步。"""

    @group.command("export")
    @click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
    @click.option(
        "--since",
        required=True,
        help="A date, a moment (local time), or last (the previous export).",
    )
    @click.option("--kind", "kinds", multiple=True, help="Only these kinds (default: all).")
    @format_option
    @pass_app
    def export(app: App, file: Path, since: str, kinds: tuple[str, ...], fmt: str) -> None:
        """Write the records you may see that changed since a moment, as JSON."""
        with app.desk(write=True) as desk:
            counts = desk.sync.export(file, since, kinds)
        if fmt == "table":
            click.echo(f"wrote {file}")
        emit(counted(counts, "kind", "records"), fmt, ["kind", "records"])

    @group.command("import")
    @click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
    @format_option
    @pass_app
    def import_(app: App, file: Path, fmt: str) -> None:
        """Apply ERP items (JSON, JSON Lines or CSV with a kind column); all or nothing, and
        importing the same items again changes nothing."""
        with app.desk(write=True) as desk:
            result = desk.sync.import_file(file)
        if fmt == "table":
            click.echo(
                f"applied {sum(result.applied.values())} items, {result.unchanged} already applied"
            )
        emit(counted(result.applied, "kind", "applied"), fmt, ["kind", "applied"])

    return group


def command() -> click.Command:
    return sync_group()
