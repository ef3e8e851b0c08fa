"""`crm customers`: add, list, show (the 360 view), update, transfer."""

from __future__ import annotations

from typing import Any

import attrs
import click

from crm_core.api import CustomerChanges, CustomerQuery, CustomerRecord, NewCustomer
from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit, emit_object, format_option, page_options
from crm_core.foundation.errors import ValidationError
from crm_core.kernel.models import KINDS

DUPLICATE_COLUMNS = [
    "score",
    "first_id",
    "first_name",
    "first_owner",
    "second_id",
    "second_name",
    "second_owner",
]

COLUMNS = ["id", "name", "kind", "level", "industry", "region", "phone", "owner"]
#: Kinds are typed as their code or their label in either language.
KIND_HELP = (
    f"{', '.join(KINDS)}; or the label: 客户, 供应商, 合作伙伴, 代理商, 竞争对手 (crm picklists "
    "values customer_kind)."
)


def record(customer: CustomerRecord, fields: list[str]) -> dict[str, Any]:
    """A customer as an output row: its fields, then each custom field's value (or None)."""
    row = attrs.asdict(customer, recurse=False, filter=lambda a, _v: a.name not in _HIDDEN)
    row.update({name: customer.custom.get(name) for name in fields})
    return row


_HIDDEN = {"custom", "created_at"}


SET_OPTION = click.option(
    "--set",
    "custom",
    multiple=True,
    metavar="FIELD=VALUE",
    help="A custom field's value (see `crm fields list customers`); FIELD= clears it.",
)


def custom_values(items: tuple[str, ...]) -> dict[str, str | None]:
    """FIELD=VALUE pairs of custom fields (an empty VALUE clears); owner or ids cannot be named."""
    values: dict[str, str | None] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValidationError(f"{item!r}: write FIELD=VALUE")
        values[name.strip()] = value.strip() or None
    return values


def customers_group() -> click.Group:
    @click.group("customers")
    def group() -> None:
        """Customers, suppliers, partners, agents, competitors.  客户。"""

    @group.command("add")
    @click.argument("name")
    @click.option("--kind", default="customer", show_default=True, help=KIND_HELP)
    @click.option("--level")
    @click.option("--industry")
    @click.option("--region")
    @click.option("--phone")
    @click.option("--address")
    @click.option("--notes")
    @click.option("--owner", "owner_login", help="Owner's login (default: you).")
    @click.option("--pool", is_flag=True, help="Put it in the shared pool, with no owner.")
    @SET_OPTION
    @pass_app
    def add(
        app: App,
        /,
        name: str,
        owner_login: str | None,
        pool: bool,
        custom: tuple[str, ...],
        **values: Any,
    ) -> None:
        """Register a customer; refused if the name or phone is already registered."""
        given = {k: v for k, v in values.items() if v is not None}
        new = NewCustomer(name, owner=owner_login, pool=pool, custom=custom_values(custom), **given)
        with app.desk(write=True) as desk:
            customer = desk.customers.create(new)
        click.echo(f"added customer {customer.id} {customer.name}")

    @group.command("list")
    @click.option("--kind", help=KIND_HELP)
    @click.option("--level")
    @click.option("--industry")
    @click.option("--region")
    @click.option("--owner", "owner_login", help="Only this owner's customers.")
    @click.option("--pool", is_flag=True, help="Only the shared pool.")
    @click.option("--search", "name_contains", help="Part of the name or phone.")
    @click.option(
        "--prefix",
        help="The name, the phone or the name's pinyin initials start with this (fast at any "
        "size).",
    )
    @click.option(
        "--count", "count_only", is_flag=True, help="Print how many match (10,000+ at most)."
    )
    @click.option(
        "--where",
        "custom",
        multiple=True,
        help="A custom-field condition, e.g. budget>=100000 or 渠道=展会.",
    )
    @page_options
    @format_option
    @pass_app
    def list_(
        app: App,
        /,
        owner_login: str | None,
        name_contains: str | None,
        prefix: str | None,
        count_only: bool,
        custom: tuple[str, ...],
        after_id: int,
        limit: int,
        fmt: str,
        **filters: Any,
    ) -> None:
        """Customers you may see, in id order; page with --after LAST_ID."""
        query = CustomerQuery(
            owner=owner_login, search=name_contains, prefix=prefix, where=custom, **filters
        )
        with app.desk() as desk:
            if count_only:
                click.echo(desk.customers.count(query).text())
                return
            page = desk.customers.list(query, after=after_id, limit=limit)
            extra = [f.name for f in desk.fields.list("customers")]
        emit([record(c, extra) for c in page], fmt, [*COLUMNS, *extra])

    @group.command("duplicates")
    @click.option(
        "--threshold",
        type=click.FloatRange(50, 100),
        default=80.0,
        show_default=True,
        help="How alike two names must be, 50-100 (one character off in six scores 83).",
    )
    @click.option("--limit", type=click.IntRange(1), default=200, show_default=True)
    @format_option
    @pass_app
    def duplicates_(app: App, threshold: float, limit: int, fmt: str) -> None:
        """Pairs of customers you may see whose names are nearly the same (typos, near-synonyms).
        疑似重复客户。"""
        with app.desk() as desk:
            pairs = desk.customers.duplicates(threshold, limit)
        emit([attrs.asdict(pair) for pair in pairs], fmt, DUPLICATE_COLUMNS)

    @group.command("show")
    @click.argument("ref")
    @format_option
    @pass_app
    def show(app: App, ref: str, fmt: str) -> None:
        """The customer 360 view: profile plus every enabled plugin's sections."""
        with app.desk() as desk:
            found = desk.customers.profile(ref)
            extra = [f.name for f in desk.fields.list("customers")]
        profile = record(found.customer, extra)
        if fmt == "json":
            emit_object(
                {
                    **profile,
                    "sections": [
                        {"title": s.title, "source": s.source, "rows": list(s.rows)}
                        for s in found.sections
                    ],
                },
                fmt,
            )
            return
        emit_object(profile, fmt)
        for section in found.sections:
            if section.rows:
                emit(list(section.rows), fmt, title=section.title)
            elif fmt == "table":
                click.echo(f"{section.title}: -")

    @group.command("update")
    @click.argument("ref")
    @click.option("--name")
    @click.option("--kind", help=KIND_HELP)
    @click.option("--level")
    @click.option("--industry")
    @click.option("--region")
    @click.option("--phone")
    @click.option("--address")
    @click.option("--notes")
    @SET_OPTION
    @pass_app
    def update(app: App, /, ref: str, custom: tuple[str, ...], **values: Any) -> None:
        """Change a customer's fields; each change is audited."""
        given = {k: v for k, v in values.items() if v is not None}
        if not given and not custom:
            raise ValidationError("nothing to change: pass at least one option")
        changes = CustomerChanges(custom=custom_values(custom), **given)
        with app.desk(write=True) as desk:
            customer = desk.customers.update(ref, changes)
        click.echo(f"updated customer {customer.id} {customer.name}")

    @group.command("transfer")
    @click.argument("refs", nargs=-1)
    @click.option("--from", "from_login", help="Move everything this user owns (a leaver).")
    @click.option("--to", "to_login", required=True, help="The new owner.")
    @click.option("--reason")
    @click.option("--dry-run", is_flag=True, help="Show what would move; change nothing.")
    @click.option(
        "--deactivate",
        is_flag=True,
        help="With --from: also deactivate the leaver, in the same transaction (admins).",
    )
    @format_option
    @pass_app
    def transfer_(
        app: App,
        refs: tuple[str, ...],
        from_login: str | None,
        to_login: str,
        reason: str | None,
        dry_run: bool,
        deactivate: bool,
        fmt: str,
    ) -> None:
        """Give customers, with everything open that follows them (orders still owed, open
        projects, follow-ups, project tasks, service cases), to another owner. All or nothing."""
        if bool(refs) == bool(from_login):
            raise ValidationError("name customers, or --from LOGIN, but not both")
        if deactivate and not from_login:
            raise ValidationError("--deactivate goes with --from LOGIN")
        with app.desk(write=not dry_run) as desk:
            if from_login:
                result = desk.customers.transfer_all(
                    from_login, to_login, reason=reason, dry_run=dry_run, deactivate=deactivate
                )
            else:
                result = desk.customers.transfer(refs, to_login, reason=reason, dry_run=dry_run)
        if fmt == "table":
            click.echo(result.message)
        emit([{"what": k, "count": v} for k, v in result.moved.items()], fmt, ["what", "count"])

    return group


def command() -> click.Command:
    return customers_group()
