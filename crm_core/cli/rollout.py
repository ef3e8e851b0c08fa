"""`crm rollout`: go-live days, goals, indicator snapshots, status and the phase review."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click

from crm_core.api.serializers import jsonable
from crm_core.api.tracking import GoalRecord, IndicatorRecord, SnapshotRecord
from crm_core.cli.app import App, pass_app
from crm_core.cli.options import as_option, day_option
from crm_core.cli.output import emit, emit_records, format_option
from crm_core.foundation import i18n
from crm_core.foundation.errors import ValidationError
from crm_core.foundation.files import replace_file


def _targets(items: tuple[str, ...]) -> dict[str, Decimal]:
    targets = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            if not sep:
                raise InvalidOperation
            targets[name.strip()] = Decimal(value.strip())
        except InvalidOperation:
            raise ValidationError(f"target {item!r} is not INDICATOR=NUMBER") from None
    return targets


def _status_rows(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for block in blocks:
        head = {
            "block": block["block"],
            "go_live_on": block["go_live_on"],
            "day": block["days_live"],
            "phase": i18n._(block["phase"]),
        }
        lines = [(goal["title"], row) for goal in block["goals"] for row in goal["indicators"]] or [
            (None, None)
        ]
        for goal_title, row in lines:
            rows.append(
                {
                    **head,
                    "goal": goal_title,
                    "indicator": row["indicator"] if row else None,
                    "baseline": row["baseline"] if row else None,
                    "previous": row["previous"] if row else None,
                    "current": row["current"] if row else None,
                    "target": row["target"] if row else None,
                    "target_met": _yes_no(row["target_met"]) if row else None,
                    "trend": i18n._(row["trend"]) if row else None,
                    "verdict": i18n._(row["verdict"]) if row else None,
                }
            )
    return rows


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else i18n._("yes" if value else "no")


def rollout_group() -> click.Group:
    @click.group("rollout")
    def group() -> None:
        """Track each block against the 90-day and 180-day marks.  分阶段上线跟踪。"""

    @group.command("status")
    @as_option
    @day_option
    @format_option
    @pass_app
    def status(app: App, on: datetime | None, fmt: str) -> None:
        """Per block: days since go-live, each goal's indicators: baseline, latest, now."""
        with app.desk() as desk:
            blocks = desk.tracking.status(on.date() if on else None)
        if fmt == "json":
            click.echo(json.dumps(jsonable(blocks), ensure_ascii=False, indent=2))
            return
        rows = _status_rows(blocks)
        if fmt == "csv":
            emit(rows, fmt, list(rows[0]) if rows else ["block"])
            return
        if not blocks:
            click.echo(i18n._("No block is enabled yet: crm plugins enable NAME."))
        for block in blocks:
            if block["days_live"] < 0:  # a go-live day recorded ahead of time
                headline = i18n._(
                    "{block}: goes live on {day}, in {n} days; 90-day mark {d90}, "
                    "180-day mark {d180}",
                    block=block["block"],
                    day=block["go_live_on"],
                    n=-block["days_live"],
                    d90=block["mark_90_on"],
                    d180=block["mark_180_on"],
                )
            else:
                headline = i18n._(
                    "{block}: live since {day}, day {n} ({phase}); 90-day mark {d90}, "
                    "180-day mark {d180}",
                    block=block["block"],
                    day=block["go_live_on"],
                    n=block["days_live"],
                    phase=i18n._(block["phase"]),
                    d90=block["mark_90_on"],
                    d180=block["mark_180_on"],
                )
            click.echo(headline)
            mine = [r for r in rows if r["block"] == block["block"] and r["indicator"]]
            if mine:
                emit(
                    mine,
                    fmt,
                    [
                        "goal",
                        "indicator",
                        "baseline",
                        "previous",
                        "current",
                        "target",
                        "target_met",
                        "verdict",
                    ],
                )
            else:
                click.echo("  " + i18n._("No goals yet: add some with `crm rollout goals add`."))

    @group.command("snapshot")
    @as_option
    @day_option
    @format_option
    @pass_app
    def snapshot(app: App, on: datetime | None, fmt: str) -> None:
        """Store every tracked indicator's value for the day, to compare phases later."""
        with app.desk(write=True) as desk:
            stored = desk.tracking.snapshot(on.date() if on else None)
        emit_records(stored, fmt, SnapshotRecord)

    @group.command("report")
    @click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
    @as_option
    @day_option
    @pass_app
    def report(app: App, output: Path, on: datetime | None) -> None:
        """Write the phase review (what improved, what did not) as one HTML page."""
        with app.desk() as desk:
            page = desk.tracking.review_html(on.date() if on else None)
        replace_file(output, page)
        click.echo(i18n._("wrote {path}", path=output))

    @group.command("go-live")
    @click.argument("block")
    @click.argument("day", type=click.DateTime(["%Y-%m-%d"]))
    @as_option
    @pass_app
    def go_live(app: App, block: str, day: datetime) -> None:
        """Record the day BLOCK went live (default: the day it was first enabled)."""
        with app.desk(write=True) as desk:
            desk.tracking.set_go_live(block, day.date())
        click.echo(i18n._("{block} went live on {day}", block=block, day=day.date()))

    @group.command("indicators")
    @format_option
    @pass_app
    def indicators_(app: App, fmt: str) -> None:
        """Indicators that goals can use, from the core and the enabled plugins."""
        with app.desk() as desk:
            found = desk.tracking.indicators()
        emit_records(found, fmt, IndicatorRecord)

    @group.group("goals")
    def goals() -> None:
        """A block's goals, each judged on up to three indicators."""

    @goals.command("add")
    @click.argument("block")
    @click.argument("title")
    @click.option("--indicator", "-i", "names", multiple=True, required=True, help="Up to three.")
    @click.option(
        "--target", "targets", multiple=True, metavar="INDICATOR=VALUE", help="Optional target."
    )
    @as_option
    @pass_app
    def add(
        app: App, block: str, title: str, names: tuple[str, ...], targets: tuple[str, ...]
    ) -> None:
        """Add a goal to BLOCK."""
        with app.desk(write=True) as desk:
            number = desk.tracking.add_goal(block, title, names, _targets(targets)).id
        click.echo(i18n._("goal {id} added to {block}", id=number, block=block))

    @goals.command("list")
    @format_option
    @pass_app
    def list_(app: App, fmt: str) -> None:
        """Every goal with its indicators and targets."""
        with app.desk() as desk:
            found = desk.tracking.goals()
        emit_records(found, fmt, GoalRecord)

    @goals.command("remove")
    @click.argument("goal_id", type=int)
    @as_option
    @pass_app
    def remove(app: App, goal_id: int) -> None:
        """Remove a goal (its snapshots stay)."""
        with app.desk(write=True) as desk:
            desk.tracking.remove_goal(goal_id)
        click.echo(i18n._("goal {id} removed", id=goal_id))

    return group


def command() -> click.Command:
    return rollout_group()
