"""`crm fields`: custom fields on any entity."""

from __future__ import annotations

import click

from crm_core.api.configuration import EntityRecord, FieldEntry, NewField
from crm_core.cli.app import App, pass_app
from crm_core.cli.customers import custom_values
from crm_core.cli.output import emit_object, emit_records, format_option
from crm_core.kernel.models import FIELD_TYPES


def fields_group() -> click.Group:
    @click.group("fields")
    def group() -> None:
        """Custom fields on customers, contacts, orders ... (admins define them).  自定义字段。"""

    @group.command("add")
    @click.argument("entity")
    @click.argument("name")
    @click.option("--type", "type_", type=click.Choice(FIELD_TYPES), required=True)
    @click.option("--choices", help="Comma-separated values of a choice field.")
    @click.option("--required", is_flag=True, help="Imports and new records must give it.")
    @click.option("--label", help="English label (default: NAME).")
    @click.option("--label-zh", help="Chinese label, also accepted as a spreadsheet header.")
    @pass_app
    def add(
        app: App,
        entity: str,
        name: str,
        type_: str,
        choices: str | None,
        required: bool,
        label: str | None,
        label_zh: str | None,
    ) -> None:
        """Add a custom field to ENTITY (see `crm fields entities`)."""
        options = [c for c in (choices or "").replace("，", ",").split(",") if c.strip()]
        with app.desk(write=True) as desk:
            field = desk.fields.define(
                NewField(entity, name, type_, tuple(options), required, label, label_zh)
            )
        click.echo(f"added field {field.entity}.{field.name} ({field.type})")

    @group.command("list")
    @click.argument("entity", required=False)
    @click.option("--archived", is_flag=True, help="The removed fields, whose values are kept.")
    @format_option
    @pass_app
    def list_(app: App, entity: str | None, archived: bool, fmt: str) -> None:
        """The custom fields of ENTITY (or of every entity)."""
        with app.desk() as desk:
            found = desk.fields.catalogue(entity, archived=archived)
        emit_records(found, fmt, FieldEntry)

    @group.command("remove")
    @click.argument("entity")
    @click.argument("name")
    @pass_app
    def remove(app: App, entity: str, name: str) -> None:
        """Take a field out of use; its values are archived, not deleted (see restore)."""
        with app.desk(write=True) as desk:
            kept = desk.fields.archive(entity, name)
        click.echo(f"removed field {entity}.{name}; {kept} values archived")

    @group.command("restore")
    @click.argument("entity")
    @click.argument("name")
    @pass_app
    def restore(app: App, entity: str, name: str) -> None:
        """Bring a removed field back with its archived values."""
        with app.desk(write=True) as desk:
            count = desk.fields.restore(entity, name)
        click.echo(f"restored field {entity}.{name} with {count} values")

    @group.command("set")
    @click.argument("entity")
    @click.argument("record_id", type=int)
    @click.argument("values", nargs=-1, required=True)
    @pass_app
    def set_(app: App, entity: str, record_id: int, values: tuple[str, ...]) -> None:
        """Set custom values of one record: NAME=VALUE ... (NAME= clears it); audited."""
        with app.desk(write=True) as desk:
            changed = desk.fields.set(entity, record_id, custom_values(values))
        click.echo(f"updated {entity} {record_id}: {len(changed)} fields changed")

    @group.command("show")
    @click.argument("entity")
    @click.argument("record_id", type=int)
    @format_option
    @pass_app
    def show(app: App, entity: str, record_id: int, fmt: str) -> None:
        """The custom values of one record you may see."""
        with app.desk() as desk:
            shown = desk.fields.show(entity, record_id)
        emit_object(shown, fmt)

    @group.command("entities")
    @format_option
    @pass_app
    def entities_(app: App, fmt: str) -> None:
        """The entities custom fields, picklists, rules and sync can name."""
        with app.desk() as desk:
            found = desk.fields.entities()
        emit_records(found, fmt, EntityRecord)

    return group


def command() -> click.Command:
    return fields_group()
