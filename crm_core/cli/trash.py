"""`crm trash`: what people deleted, and putting it back."""

from __future__ import annotations

import click

from crm_core.api import Discarded
from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit_records, format_option, page_options
from crm_core.foundation import i18n


def deleted_message(done: Discarded) -> str:
    return i18n._(
        "deleted {label}; to restore it: crm trash restore {id}", label=done.label, id=done.trash_id
    )


def trash_group() -> click.Group:
    @click.group("trash")
    def group() -> None:
        """The recycle bin: deleted contacts, interactions, products, expenses ...  回收站。"""

    @group.command("list")
    @page_options
    @format_option
    @pass_app
    def list_(app: App, after_id: int, limit: int, fmt: str) -> None:
        """What you deleted (an admin: what anyone deleted)."""
        from crm_core.api.trash import TrashRecord

        with app.desk() as desk:
            found = desk.trash.list(after=after_id, limit=limit)
        emit_records(found, fmt, TrashRecord)

    @group.command("restore")
    @click.argument("trash_id", type=int)
    @pass_app
    def restore(app: App, trash_id: int) -> None:
        """Put a deleted record back (its deleter or an admin); audited."""
        with app.desk(write=True) as desk:
            done = desk.trash.restore(trash_id)
        click.echo(
            i18n._(
                "restored {label} as {entity} {id}",
                label=done.label,
                entity=done.entity,
                id=done.record_id,
            )
        )

    return group


def command() -> click.Command:
    return trash_group()
