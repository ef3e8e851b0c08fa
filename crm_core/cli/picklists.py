"""`crm picklists`: the values a field may take."""

from __future__ import annotations

import click

from crm_core.api.configuration import FieldCount, PicklistRecord, PicklistValue
from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit_records, format_option
from crm_core.foundation.errors import ValidationError


def picklists_group() -> click.Group:
    @click.group("picklists")
    def group() -> None:
        """Values fields may take (industries, regions, interaction kinds ...).  选项字典。"""

    @group.command("list")
    @click.argument("name", required=False)
    @click.option("--retired", is_flag=True, help="Include retired values.")
    @format_option
    @pass_app
    def list_(app: App, name: str | None, retired: bool, fmt: str) -> None:
        """The picklists, or the values of picklist NAME."""
        with app.desk() as desk:
            if name is None:
                lists = desk.picklists.lists()
            else:
                values = desk.picklists.values(name, retired=retired)
        if name is None:
            emit_records(lists, fmt, PicklistRecord)
        else:
            emit_records(values, fmt, PicklistValue)

    @group.command("add")
    @click.argument("name")
    @click.argument("code")
    @click.option("--label", help="English label (default: CODE).")
    @click.option("--label-zh", help="Chinese label.")
    @pass_app
    def add(app: App, name: str, code: str, label: str | None, label_zh: str | None) -> None:
        """Add a value (admins); a retired value comes back."""
        with app.desk(write=True) as desk:
            desk.picklists.add(name, code, label, label_zh)
        click.echo(f"added {name} {code}")

    @group.command("relabel")
    @click.argument("name")
    @click.argument("code")
    @click.option("--label", help="New English label.")
    @click.option("--label-zh", help="New Chinese label.")
    @pass_app
    def relabel(app: App, name: str, code: str, label: str | None, label_zh: str | None) -> None:
        """Change a value's labels; records keep the code (admins)."""
        if not (label or label_zh):
            raise ValidationError("give --label and/or --label-zh")
        with app.desk(write=True) as desk:
            desk.picklists.relabel(name, code, label, label_zh)
        click.echo(f"relabelled {name} {code}")

    @group.command("rename")
    @click.argument("name")
    @click.argument("code")
    @click.argument("new_code")
    @format_option
    @pass_app
    def rename(app: App, name: str, code: str, new_code: str, fmt: str) -> None:
        """Give a value a new code; every record using it follows, audited (admins)."""
        with app.desk(write=True) as desk:
            moved = desk.picklists.rename(name, code, new_code)
        if fmt == "table":
            click.echo(f"renamed {name} {code} -> {new_code}")
        emit_records(moved, fmt, FieldCount)

    @group.command("retire")
    @click.argument("name")
    @click.argument("code")
    @pass_app
    def retire(app: App, name: str, code: str) -> None:
        """Take a value out of use; records that carry it keep it (admins)."""
        with app.desk(write=True) as desk:
            count = desk.picklists.retire(name, code)
        click.echo(f"retired {name} {code}; {count} records keep it")

    return group


def command() -> click.Command:
    return picklists_group()
