"""`crm follow-ups`: the follow-ups that rules and people planned."""

from __future__ import annotations

import click

from crm_core.api.follow_ups import FollowUpRecord
from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit_records, format_option


def follow_ups_group() -> click.Group:
    @click.group("follow-ups")
    def group() -> None:
        """Dated to-dos about customers (made by hand or by rules).  待办跟进。"""

    @group.command("list")
    @click.option("--all", "show_all", is_flag=True, help="Include done ones.")
    @format_option
    @pass_app
    def list_(app: App, show_all: bool, fmt: str) -> None:
        """Follow-ups on customers you may see, by due date."""
        with app.desk() as desk:
            found = desk.follow_ups.list(done_too=show_all)
        emit_records(found, fmt, FollowUpRecord)

    @group.command("done")
    @click.argument("follow_up_id", type=int)
    @pass_app
    def done(app: App, follow_up_id: int) -> None:
        """Mark a follow-up done (its assignee, or their manager)."""
        with app.desk(write=True) as desk:
            desk.follow_ups.done(follow_up_id)
        click.echo(f"follow-up {follow_up_id} done")

    return group


def command() -> click.Command:
    return follow_ups_group()
