"""`crm contacts` and `crm interactions`: the daily work with customers."""

from __future__ import annotations

from datetime import date, datetime

import click

from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit, format_option, page_options
from crm_core.services import contacts, interactions


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
        with app.work(write=True) as ctx:
            contact = contacts.add(
                ctx, customer, name, title=title, phone=phone, email=email, notes=notes
            )
            click.echo(f"added contact {contact.id} {contact.name}")

    @group.command("list")
    @click.option("--customer")
    @page_options
    @format_option
    @pass_app
    def list_(app: App, customer: str | None, after_id: int, limit: int, fmt: str) -> None:
        """Contacts of the customers you may see."""
        with app.work() as ctx:
            rows = [
                {
                    "id": c.id,
                    "customer": name,
                    "name": c.name,
                    "title": c.title,
                    "phone": c.phone,
                    "email": c.email,
                }
                for c, name in contacts.list_page(ctx, customer, after_id=after_id, limit=limit)
            ]
        emit(rows, fmt, ["id", "customer", "name", "title", "phone", "email"])

    return group


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
        with app.work(write=True) as ctx:
            done = interactions.log(
                ctx,
                customer,
                kind,
                notes=notes,
                contact_ref=contact,
                occurred_at=occurred_at,
                next_contact_on=next_contact_on.date() if next_contact_on else None,
            )
            click.echo(f"logged {done.kind} {done.id}")

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
        first: date | None = since.date() if since else None
        last: date | None = until.date() if until else None
        with app.work() as ctx:
            if by_day:
                emit(
                    interactions.per_day(
                        ctx, team_name=team_name, user_login=user_login, since=first, until=last
                    ),
                    fmt,
                    ["day", "user", "kind", "count"],
                )
                return
            page = interactions.list_page(
                ctx,
                customer_ref=customer,
                user_login=user_login,
                team_name=team_name,
                since=first,
                until=last,
                after_id=after_id,
                limit=limit,
            )
            rows = [
                {
                    "id": i.id,
                    "occurred_at": ctx.local(i.occurred_at).strftime("%Y-%m-%d %H:%M"),
                    "customer": name,
                    "user": login,
                    "kind": i.kind,
                    "notes": i.notes,
                    "next_contact_on": i.next_contact_on,
                }
                for i, name, login in page
            ]
        emit(
            rows, fmt, ["id", "occurred_at", "customer", "user", "kind", "notes", "next_contact_on"]
        )

    return group


def register(cli: click.Group) -> None:
    cli.add_command(contacts_group())
    cli.add_command(interactions_group())
