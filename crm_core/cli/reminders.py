"""`crm reminders`: what the acting user should do today."""

from __future__ import annotations

import json
from datetime import datetime

import attrs
import click

from crm_core.api.reports import REMINDER_COLUMNS, REMINDER_LIMIT
from crm_core.api.serializers import jsonable
from crm_core.cli.app import App, pass_app
from crm_core.cli.options import as_option, day_option
from crm_core.cli.output import emit, format_option
from crm_core.foundation import i18n
from crm_core.foundation.errors import ValidationError


@click.command("reminders")
@as_option
@day_option
@click.option("--for", "user_login", help="Someone you manage (default: you).")
@click.option(
    "--digest",
    is_flag=True,
    help="Print a plain-text digest for mail or chat (with --format json: as one object).",
)
@click.option(
    "--send", is_flag=True, help="Deliver the digest (reminders_outbox or a delivering plugin)."
)
@click.option(
    "--limit",
    type=click.IntRange(1),
    help="At most N items of each kind for you and as many for your team, the earliest due "
    f"first (default: {REMINDER_LIMIT}).",
)
@click.option("--all", "everything", is_flag=True, help="Every item, however many.")
@format_option
@pass_app
def reminders_(
    app: App,
    on: datetime | None,
    user_login: str | None,
    digest: bool,
    send: bool,
    limit: int | None,
    everything: bool,
    fmt: str,
) -> None:
    """What is due: follow-ups, and whatever the enabled plugins add; a manager also sees the
    team's overdue items.  待办提醒。"""
    if everything and limit is not None:
        raise ValidationError(i18n._("--all and --limit do not go together: choose one"))
    if digest and fmt == "csv":
        raise ValidationError(
            i18n._("a digest is text (or --format json): --format csv lists the items alone")
        )
    if not everything and limit is None:
        limit = REMINDER_LIMIT
    with app.desk() as desk:
        day = on.date() if on else None
        if digest or send:
            message = desk.reports.digest(day, user_login, limit)
            places = desk.reports.deliver(message) if send else []
        else:
            rows = desk.reports.reminders(day, user_login, limit)
            cut = limit is not None and desk.reports.reminders_cut(rows, limit, user_login)
    if digest or send:
        if digest and fmt == "json":  # for a script that sends it its own way
            click.echo(json.dumps(jsonable(attrs.asdict(message)), ensure_ascii=False, indent=2))
        elif digest:
            click.echo(message.text, nl=False)
        for place in places:
            click.echo(i18n._("sent to {place}", place=place), err=digest)
        return
    emit(rows, fmt, list(REMINDER_COLUMNS))
    if cut:
        click.echo(
            i18n._(
                "at most {limit} items of each kind, the earliest due first: --all lists them all",
                limit=limit,
            ),
            err=True,
        )


def command() -> click.Command:
    return reminders_
