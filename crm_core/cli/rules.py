"""`crm rules`: automation rules (when EVENT and conditions, do ACTION)."""

from __future__ import annotations

from pathlib import Path

import click

from crm_core.api.configuration import (
    RuleActionRecord,
    RuleEventRecord,
    RuleRecord,
    RuleSpec,
    SweepRecord,
)
from crm_core.api.serializers import to_json
from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit, emit_object, emit_records, format_option


def rules_group() -> click.Group:
    @click.group("rules")
    def group() -> None:
        """Automation: when an event fires and conditions hold, run an action.  自动化规则。"""

    @group.command("add")
    @click.argument("name")
    @click.option("--on", "event", required=True, help="The event (see `crm rules events`).")
    @click.option(
        "--when",
        "conditions",
        multiple=True,
        help='A condition, e.g. "region=华东"; all must hold.',
    )
    @click.option("--do", "do", required=True, help='The action, e.g. "assign-owner sun".')
    @click.option("--disabled", is_flag=True, help="Add it switched off.")
    @pass_app
    def add(
        app: App, name: str, event: str, conditions: tuple[str, ...], do: str, disabled: bool
    ) -> None:
        """Add a rule (admins); it runs inside every write that fires its event."""
        with app.desk(write=True) as desk:
            desk.rules.add(RuleSpec(name, event, do, conditions, not disabled))
        click.echo(f"added rule {name}")

    @group.command("list")
    @format_option
    @pass_app
    def list_(app: App, fmt: str) -> None:
        """Every rule, in the order they run."""
        with app.desk() as desk:
            found = desk.rules.listing()
        emit_records(found, fmt, RuleRecord)

    @group.command("disable")
    @click.argument("name")
    @pass_app
    def disable(app: App, name: str) -> None:
        """Switch a rule off (it is kept)."""
        with app.desk(write=True) as desk:
            desk.rules.enable(name, False)
        click.echo(f"disabled rule {name}")

    @group.command("enable")
    @click.argument("name")
    @pass_app
    def enable(app: App, name: str) -> None:
        """Switch a rule back on."""
        with app.desk(write=True) as desk:
            desk.rules.enable(name, True)
        click.echo(f"enabled rule {name}")

    @group.command("remove")
    @click.argument("name")
    @pass_app
    def remove(app: App, name: str) -> None:
        """Delete a rule."""
        with app.desk(write=True) as desk:
            desk.rules.remove(name)
        click.echo(f"removed rule {name}")

    @group.command("load")
    @click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
    @pass_app
    def load(app: App, file: Path) -> None:
        """Add or replace the [[rule]] tables of a TOML file; all or nothing."""
        with app.desk(write=True) as desk:
            loaded = desk.rules.load(file)
        click.echo(f"loaded {len(loaded)} rules from {file.name}")

    @group.command("test")
    @click.argument("name")
    @click.option("--record", "record_id", type=int, required=True, help="The record's id.")
    @format_option
    @pass_app
    def test(app: App, name: str, record_id: int, fmt: str) -> None:
        """Show what the rule would do to one record, writing nothing."""
        with app.desk() as desk:
            trial = desk.rules.trial(name, record_id)
        if fmt == "json":
            emit_object(to_json(trial), fmt)
            return
        click.echo(f"rule {trial.rule} on {trial.record}:")
        for check in trial.conditions:
            mark = "yes" if check.holds else "no "
            click.echo(f"  [{mark}] {check.condition}   (is: {check.actual})")
        if not trial.matched:
            click.echo("  conditions do not hold: nothing would happen")
        elif trial.error:
            click.echo(f"  would be refused: {trial.error}")
        else:
            click.echo(f"  would write {len(trial.effects)} changes (nothing was written):")
            emit(list(trial.effects), fmt, ["action", "entity", "id", "field", "old", "new"])

    @group.command("events")
    @format_option
    @pass_app
    def events_(app: App, fmt: str) -> None:
        """The events rules can listen to."""
        with app.desk() as desk:
            found_events = desk.rules.events()
        emit_records(found_events, fmt, RuleEventRecord)

    @group.command("actions")
    @format_option
    @pass_app
    def actions_(app: App, fmt: str) -> None:
        """The actions rules can run."""
        with app.desk() as desk:
            found_actions = desk.rules.actions()
        emit_records(found_actions, fmt, RuleActionRecord)

    @group.command("sweep")
    @click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Default: today.")
    @click.option("--again", is_flag=True, help="Sweep a day that was swept already.")
    @format_option
    @pass_app
    def sweep(app: App, day: object, again: bool, fmt: str) -> None:
        """Fire the periodic events (order overdue ...) for a day; run it daily, e.g. from cron."""
        with app.desk(write=True) as desk:
            fired = desk.rules.sweep(day.date() if hasattr(day, "date") else None, again=again)
        emit_records(fired, fmt, SweepRecord)

    return group


def command() -> click.Command:
    return rules_group()
