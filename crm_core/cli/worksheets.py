"""`crm worksheets issue|collect`: leads out to salespeople as .xlsx, their updates back in."""

from __future__ import annotations

from pathlib import Path

import click

from crm_core.api.files import CollectedRecord
from crm_core.api.serializers import columns_of, to_json
from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit, format_option
from crm_core.foundation import i18n
from crm_core.foundation.errors import CrmError


@click.group("worksheets")
def group() -> None:
    """Worksheets for salespeople who work in Excel: issue, then collect."""


@group.command("issue")
@click.option("--to", "logins", multiple=True, required=True, metavar="LOGIN", help="Repeatable.")
@click.option("--level", help="Only customers at this level.")
@click.option("--industry")
@click.option("--region")
@click.option(
    "--quiet-days", type=click.IntRange(1), help="Only customers not contacted for N days."
)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@pass_app
def issue(
    app: App,
    logins: tuple[str, ...],
    level: str | None,
    industry: str | None,
    region: str | None,
    quiet_days: int | None,
    directory: Path,
) -> None:
    """Write one .xlsx per salesperson into DIRECTORY with their customers to work on."""
    with app.desk(write=True) as desk:
        issued = desk.files.issue_worksheets(
            logins,
            directory,
            level=level,
            industry=industry,
            region=region,
            quiet_days=quiet_days,
        )
    for item in issued:
        click.echo(
            i18n._(
                "{login}: {rows} customers -> {path}",
                login=item.login,
                rows=item.rows,
                path=item.path,
            )
        )


@group.command("collect")
@click.argument("directory", type=click.Path(exists=True, path_type=Path))
@format_option
@pass_app
def collect(app: App, directory: Path, fmt: str) -> int:
    """Read the worksheets in DIRECTORY (or one file) back: log interactions, change levels.

    Each workbook is applied in its own transaction; lines already collected change nothing.
    Exit code 3 when some lines were rejected.
    """
    files = [directory] if directory.is_file() else sorted(directory.glob("*.xlsx"))
    files = [f for f in files if not f.name.startswith("~$")]  # Excel's lock files
    if not files:
        raise click.ClickException(f"no .xlsx worksheets in {directory}")
    rows: list[dict[str, object]] = []
    problems: list[str] = []
    for path in files:
        try:
            with app.desk(write=True) as desk:
                done = desk.files.collect_worksheet(path)
        except CrmError as exc:
            problems.append(f"{path.name}: {exc}")
            done = CollectedRecord(path.name, "?", 0, 0, 0, 1)
        else:
            problems.extend(f"{path.name} ({done.salesperson}) {line}" for line in done.problems)
        rows.append(to_json(done))
    emit(rows, fmt, columns_of(CollectedRecord)[:-1])
    for line in problems:
        click.echo(f"rejected: {line}", err=True)
    return 3 if problems else 0


def command() -> click.Command:
    return group
