"""`crm contacts`: the people at a customer."""

from __future__ import annotations

import click

from crm_core.api import ContactChanges, NewContact, ValidationError
from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit, format_option, page_options
from crm_core.cli.trash import deleted_message


def contacts_group() -> click.Group:
    @click.group("contacts")
    def group() -> None:
        """People at customers.  联系人。"""

    @group.command("add")
    @click.argument("customer")
    @click.argument("name")
    @click.option("--title")
    @click.option("--phone")
    @click.option("--email")
    @click.option("--notes")
    @pass_app
    def add(
        app: App,
        customer: str,
        name: str,
        title: str | None,
        phone: str | None,
        email: str | None,
        notes: str | None,
    ) -> None:
        """Add a contact to a customer (id or name)."""
        new = NewContact(customer, name, title=title, phone=phone, email=email, notes=notes)
        with app.desk(write=True) as desk:
            contact = desk.contacts.add(new)
        click.echo(f"added contact {contact.id} {contact.name}")

    @group.command("update")
    @click.argument("contact_id", type=int)
    @click.option("--name")
    @click.option("--title")
    @click.option("--phone")
    @click.option("--email")
    @click.option("--notes")
    @pass_app
    def update(app: App, /, contact_id: int, **values: str | None) -> None:
        """Correct a contact; an empty value clears a field. Audited."""
        given = {k: v for k, v in values.items() if v is not None}
        if not given:
            raise ValidationError("nothing to change: pass at least one option")
        with app.desk(write=True) as desk:
            contact = desk.contacts.update(contact_id, ContactChanges(**given))
        click.echo(f"updated contact {contact.id} {contact.name}")

    @group.command("delete")
    @click.argument("contact_id", type=int)
    @pass_app
    def delete(app: App, contact_id: int) -> None:
        """Put a contact in the recycle bin (crm trash restore brings it back)."""
        with app.desk(write=True) as desk:
            done = desk.contacts.delete(contact_id)
        click.echo(deleted_message(done))

    @group.command("list")
    @click.option("--customer")
    @page_options
    @format_option
    @pass_app
    def list_(app: App, customer: str | None, after_id: int, limit: int, fmt: str) -> None:
        """Contacts of the customers you may see."""
        with app.desk() as desk:
            page = desk.contacts.list(customer, after=after_id, limit=limit)
        columns = ["id", "customer", "name", "title", "phone", "email"]
        emit([{k: getattr(c, k) for k in columns} for c in page], fmt, columns)

    return group


def command() -> click.Command:
    return contacts_group()
