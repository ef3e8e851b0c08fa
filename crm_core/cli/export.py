"""`crm export`: customers, contacts, interactions and products to a spreadsheet."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crm_core.cli.app import App, pass_app
from crm_core.cli.output import progress_bar
from crm_core.foundation import i18n


def _filters(values: tuple[str, ...]) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in values:
        field, sep, value = item.partition("=")
        if not sep or not field.strip():
            raise click.BadParameter(f"{item!r}: write FIELD=VALUE", param_hint="--where")
        found[field.strip()] = value.strip()
    return found


@click.command("export")
@click.argument("entity")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--where",
    "where",
    multiple=True,
    metavar="FIELD=VALUE",
    help="Only rows whose FIELD equals VALUE (repeatable), e.g. --where level=signed.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@pass_app
def export(app: App, entity: str, path: Path, where: tuple[str, ...], quiet: bool) -> None:
    """Export the ENTITY rows you may see to .xlsx or .csv (headers in your language).

    Cells that a spreadsheet could run as a formula are stored as text. On a terminal a
    progress bar counts the rows written.
    """
    show = not quiet and sys.stderr.isatty()
    with app.desk() as desk, progress_bar(f"{entity} → {path.name}", show) as progress:
        count = desk.files.export_file(entity, path, _filters(where), progress).rows
    click.echo(
        i18n._(
            "Exported {count} rows of {entity} to {path}.", count=count, entity=entity, path=path
        )
    )


def command() -> click.Command:
    return export
