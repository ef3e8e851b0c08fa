"""`crm worksheets issue|collect`: leads out to salespeople as .xlsx, their updates back in."""

from __future__ import annotations

from pathlib import Path

import click

from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit, format_option
from crm_core.features.imports import worksheets
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
    where = worksheets.LeadFilter(level, industry, region, quiet_days)
    with app.work(write=True) as ctx:
        issued = worksheets.issue(ctx, list(logins), where, directory)
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
            with app.work(write=True) as ctx:
                done = worksheets.collect_file(ctx, path)
        except CrmError as exc:
            problems.append(f"{path.name}: {exc}")
            rows.append(
                {
                    "file": path.name,
                    "salesperson": "?",
                    "interactions": 0,
                    "level_changes": 0,
                    "unchanged": 0,
                    "rejected": 1,
                }
            )
            continue
        rows.append(
            {
                "file": path.name,
                "salesperson": done.login,
                "interactions": done.interactions,
                "level_changes": done.level_changes,
                "unchanged": done.unchanged,
                "rejected": len(done.rejected),
            }
        )
        problems.extend(f"{path.name} ({done.login}) {line}" for line in done.rejected)
    emit(rows, fmt)
    for line in problems:
        click.echo(f"rejected: {line}", err=True)
    return 3 if problems else 0


def command() -> click.Command:
    return group
