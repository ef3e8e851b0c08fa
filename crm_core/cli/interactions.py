"""`crm interactions`: visits, calls, emails and meetings with customers."""

from __future__ import annotations

from datetime import datetime

import attrs
import click

from crm_core.api import InteractionChanges, InteractionQuery, NewInteraction, ValidationError
from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit, format_option, page_options
from crm_core.cli.trash import deleted_message
from crm_core.foundation.dates import parse_day


def interactions_group() -> click.Group:
    @click.group("interactions")
    def group() -> None:
        """Visits, calls, emails and meetings.  客户联系记录。"""

    @group.command("log")
    @click.argument("customer")
    @click.option(
        "--kind",
        required=True,
        help="visit, call, email, meeting, or another `interaction_kind` picklist value.",
    )
    @click.option("--contact", help="Contact id or name at that customer.")
    @click.option("--notes")
    @click.option(
        "--at",
        "occurred_at",
        type=click.DateTime(["%Y-%m-%d %H:%M", "%Y-%m-%d"]),
        help="When (local time); default now.",
    )
    @click.option(
        "--next",
        "next_contact_on",
        type=click.DateTime(["%Y-%m-%d"]),
        help="Next contact date, feeds `crm reminders`.",
    )
    @pass_app
    def log(
        app: App,
        customer: str,
        kind: str,
        contact: str | None,
        notes: str | None,
        occurred_at: datetime | None,
        next_contact_on: datetime | None,
    ) -> None:
        """Log an interaction as the acting user."""
        new = NewInteraction(
            customer,
            kind,
            notes=notes,
            contact=contact,
            occurred_at=occurred_at,
            next_contact_on=next_contact_on.date() if next_contact_on else None,
        )
        with app.desk(write=True) as desk:
            done = desk.interactions.log(new)
        click.echo(f"logged {done.kind} {done.id}")

    @group.command("update")
    @click.argument("interaction_id", type=int)
    @click.option("--kind")
    @click.option("--notes", help="New notes; an empty value clears them.")
    @click.option(
        "--at",
        "occurred_at",
        type=click.DateTime(["%Y-%m-%d %H:%M", "%Y-%m-%d"]),
        help="When it happened (local time).",
    )
    @click.option(
        "--next",
        "next_contact_on",
        help="Next contact date (YYYY-MM-DD); an empty value clears it.",
    )
    @pass_app
    def update(
        app: App,
        interaction_id: int,
        kind: str | None,
        notes: str | None,
        occurred_at: datetime | None,
        next_contact_on: str | None,
    ) -> None:
        """Correct an interaction (its author, their manager, an admin). Audited."""
        given: dict[str, object] = {}
        if kind is not None:
            given["kind"] = kind
        if notes is not None:
            given["notes"] = notes or None
        if occurred_at is not None:
            given["occurred_at"] = occurred_at
        if next_contact_on is not None:
            try:
                given["next_contact_on"] = parse_day(next_contact_on) if next_contact_on else None
            except ValueError as exc:
                raise ValidationError(f"--next: {exc}") from None
        if not given:
            raise ValidationError("nothing to change: pass at least one option")
        with app.desk(write=True) as desk:
            done = desk.interactions.update(interaction_id, InteractionChanges(**given))  # type: ignore[arg-type]
        click.echo(f"updated {done.kind} {done.id}")

    @group.command("delete")
    @click.argument("interaction_id", type=int)
    @pass_app
    def delete(app: App, interaction_id: int) -> None:
        """Put an interaction in the recycle bin (crm trash restore brings it back)."""
        with app.desk(write=True) as desk:
            done = desk.interactions.delete(interaction_id)
        click.echo(deleted_message(done))

    @group.command("list")
    @click.option("--customer")
    @click.option("--user", "user_login")
    @click.option("--team", "team_name", help="Everyone in this team and the teams below it.")
    @click.option("--since", type=click.DateTime(["%Y-%m-%d"]))
    @click.option("--until", type=click.DateTime(["%Y-%m-%d"]))
    @click.option("--by-day", is_flag=True, help="Counts per day, salesperson and kind.")
    @page_options
    @format_option
    @pass_app
    def list_(
        app: App,
        customer: str | None,
        user_login: str | None,
        team_name: str | None,
        since: datetime | None,
        until: datetime | None,
        by_day: bool,
        after_id: int,
        limit: int,
        fmt: str,
    ) -> None:
        """Interaction history you may see; managers use --team and --by-day."""
        query = InteractionQuery(
            customer=customer,
            user=user_login,
            team=team_name,
            since=since.date() if since else None,
            until=until.date() if until else None,
        )
        if by_day:
            with app.desk() as desk:
                counts = desk.interactions.per_day(query)
            emit([attrs.asdict(c) for c in counts], fmt, ["day", "user", "kind", "count"])
            return
        with app.desk() as desk:
            page = desk.interactions.list(query, after=after_id, limit=limit)
        columns = ["id", "occurred_at", "customer", "user", "kind", "notes", "next_contact_on"]
        rows = [
            {
                **{k: getattr(i, k) for k in columns},
                "occurred_at": i.occurred_at.strftime("%Y-%m-%d %H:%M"),
            }
            for i in page
        ]
        emit(rows, fmt, columns)

    return group


def command() -> click.Command:
    return interactions_group()
