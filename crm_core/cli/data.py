"""`crm import` and `crm export`: spreadsheets in and out."""

from __future__ import annotations

from pathlib import Path

import click

from crm_core import i18n
from crm_core.cli.app import App, pass_app
from crm_core.services import importing


class _DryRun(Exception):
    """Raised to roll a dry run back after everything was checked and written."""


@click.command("import")
@click.argument("entity")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and roll back.")
@pass_app
def import_(app: App, entity: str, path: Path, dry_run: bool) -> None:
    """Import ENTITY (customers, contacts, products, or a plugin's) from .xlsx or .csv.

    All or nothing: if any row is wrong, nothing is written and the rows are named.
    """
    try:
        with app.work(write=True) as ctx:
            result = importing.import_file(ctx, entity, path, dry_run=dry_run)
            if dry_run:
                raise _DryRun
    except _DryRun:
        click.echo(f"dry run: {result.rows} rows of {entity} are fine; nothing written")
        return
    click.echo(i18n._("Imported {count} rows into {entity}.", count=result.written, entity=entity))


@click.command("export")
@click.argument("entity")
@click.argument("path", type=click.Path(path_type=Path))
@pass_app
def export(app: App, entity: str, path: Path) -> None:
    """Export the ENTITY rows you may see to .xlsx or .csv (headers in your language)."""
    with app.work() as ctx:
        count = importing.export_file(ctx, entity, path)
    click.echo(f"exported {count} rows of {entity} to {path}")


def register(cli: click.Group) -> None:
    cli.add_command(import_)
    cli.add_command(export)
