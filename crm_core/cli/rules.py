"""`crm rules`: automation rules (when EVENT and conditions, do ACTION)."""

from __future__ import annotations

from pathlib import Path

import click

from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit, emit_object, format_option
from crm_core.features.rules import actions, events, store


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
        with app.work(write=True) as ctx:
            store.add(ctx, store.RuleSpec(name, event, do, conditions, not disabled))
        click.echo(f"added rule {name}")

    @group.command("list")
    @format_option
    @pass_app
    def list_(app: App, fmt: str) -> None:
        """Every rule, in the order they run."""
        with app.work() as ctx:
            rows = [
                {
                    "name": spec.name,
                    "on": spec.on,
                    "when": " and ".join(spec.when),
                    "do": spec.do,
                    "enabled": spec.enabled,
                }
                for spec in map(store.spec_of, store.rules(ctx))
            ]
        emit(rows, fmt, ["name", "on", "when", "do", "enabled"])

    @group.command("disable")
    @click.argument("name")
    @pass_app
    def disable(app: App, name: str) -> None:
        """Switch a rule off (it is kept)."""
        with app.work(write=True) as ctx:
            store.set_enabled(ctx, name, False)
        click.echo(f"disabled rule {name}")

    @group.command("enable")
    @click.argument("name")
    @pass_app
    def enable(app: App, name: str) -> None:
        """Switch a rule back on."""
        with app.work(write=True) as ctx:
            store.set_enabled(ctx, name, True)
        click.echo(f"enabled rule {name}")

    @group.command("remove")
    @click.argument("name")
    @pass_app
    def remove(app: App, name: str) -> None:
        """Delete a rule."""
        with app.work(write=True) as ctx:
            store.remove(ctx, name)
        click.echo(f"removed rule {name}")

    @group.command("load")
    @click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
    @pass_app
    def load(app: App, file: Path) -> None:
        """Add or replace the [[rule]] tables of a TOML file; all or nothing."""
        with app.work(write=True) as ctx:
            loaded = store.load(ctx, file)
        click.echo(f"loaded {len(loaded)} rules from {file.name}")

    @group.command("test")
    @click.argument("name")
    @click.option("--record", "record_id", type=int, required=True, help="The record's id.")
    @format_option
    @pass_app
    def test(app: App, name: str, record_id: int, fmt: str) -> None:
        """Show what the rule would do to one record, writing nothing."""
        with app.work() as ctx:
            trial = store.trial(ctx, name, record_id)
        if fmt == "json":
            emit_object(
                {
                    "rule": trial.rule,
                    "record": trial.record,
                    "matched": trial.matched,
                    "conditions": [
                        {"condition": c.condition, "actual": c.actual, "holds": c.holds}
                        for c in trial.checks
                    ],
                    "effects": list(trial.effects),
                    "error": trial.error,
                },
                fmt,
            )
            return
        click.echo(f"rule {trial.rule} on {trial.record}:")
        for check in trial.checks:
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
        with app.work() as ctx:
            rows = [
                {
                    "event": e.name,
                    "entity": e.entity,
                    "periodic": e.sweep is not None,
                    "description": e.description,
                }
                for e in sorted(events.registry(ctx).values(), key=lambda e: e.name)
            ]
        emit(rows, fmt, ["event", "entity", "periodic", "description"])

    @group.command("actions")
    @format_option
    @pass_app
    def actions_(app: App, fmt: str) -> None:
        """The actions rules can run."""
        with app.work() as ctx:
            rows = [
                {
                    "action": a.name,
                    "entities": ", ".join(a.entities) or "any",
                    "description": a.description,
                }
                for a in sorted(actions.registry(ctx).values(), key=lambda a: a.name)
            ]
        emit(rows, fmt, ["action", "entities", "description"])

    @group.command("sweep")
    @click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Default: today.")
    @click.option("--again", is_flag=True, help="Sweep a day that was swept already.")
    @format_option
    @pass_app
    def sweep(app: App, day: object, again: bool, fmt: str) -> None:
        """Fire the periodic events (order overdue ...) for a day; run it daily, e.g. from cron."""
        with app.work(write=True) as ctx:
            on = day.date() if hasattr(day, "date") else ctx.today()
            fired = store.sweep(ctx, on, again=again)
        emit([{"event": k, "records": v} for k, v in fired.items()], fmt, ["event", "records"])

    return group


def command() -> click.Command:
    return rules_group()
