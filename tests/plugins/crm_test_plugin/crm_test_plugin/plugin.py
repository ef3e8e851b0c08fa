"""test_plugin: implements every hook, recording each call in CALLS, with real effects."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import date, timedelta
from random import Random
from typing import Any

import click
from sqlalchemy import Connection, func, insert, select, update

from crm_core.cli.app import App, pass_app
from crm_core.features.tracking.indicators import day_end
from crm_core.foundation.errors import CrmError, ValidationError
from crm_core.foundation.schema import table_of
from crm_core.hooks.api_parts import ApiPart
from crm_core.hooks.batches import Watcher
from crm_core.hooks.business import OpenBusiness
from crm_core.hooks.changes import CustomerChange, Transfer
from crm_core.hooks.context import Context
from crm_core.hooks.entities import Entity
from crm_core.hooks.importers import Column, Importer, ImportRow
from crm_core.hooks.indicators import Indicator
from crm_core.hooks.markers import hookimpl
from crm_core.hooks.pages import WebPage
from crm_core.hooks.picklists import Choice, Picklist
from crm_core.hooks.plugin_spec import PluginSpec
from crm_core.hooks.reminders import Digest, Reminder
from crm_core.hooks.reports import Report, ReportTable
from crm_core.hooks.rollups import Rollup
from crm_core.hooks.routes import ApiRoute
from crm_core.hooks.rules import RuleAction, RuleEvent
from crm_core.hooks.sections import Section
from crm_core.hooks.settings import SettingSpec
from crm_core.hooks.sync import SyncKind
from crm_core.kernel.models import Customer, Interaction
from crm_core.server.plugin_routes import RouteRequest
from crm_core.server.web.plugin_pages import PageRequest, Shown
from crm_core.services import customers as customer_service
from crm_test_plugin.models import NOTES_BY_OWNER, Note

plugin = PluginSpec(
    name="test_plugin",
    title="Test plugin",
    version="1.0",
    table_prefix="tp_",
    migrations="crm_test_plugin.migrations.versions",
    title_zh="测试插件",
)

CALLS: list[tuple[str, Any]] = []
_notes = table_of(Note)


def _add_notes(ctx: Context, customer_ids: Sequence[int], text: str) -> None:
    ctx.session.execute(
        insert(_notes),
        [{"customer_id": cid, "text": text, "author_id": ctx.actor.id} for cid in customer_ids],
    )


# -- bootstrap ---------------------------------------------------------------------------------


@click.group("notes")
def notes() -> None:
    """Notes on customers (test plugin)."""


class Notes:
    """`desk.notes`: the test plugin's API part."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def add(self, customer: str, text: str) -> None:
        ctx = self._ctx
        found = customer_service.get(ctx, customer)
        ctx.session.add(Note(customer_id=found.id, text=text, author_id=ctx.actor.id))

    def count(self) -> int:
        """The notes on customers the acting user may see."""
        return int(self._ctx.session.scalar(select(func.count()).select_from(Note)) or 0)


@notes.command("add")
@click.argument("customer")
@click.argument("text")
@pass_app
def notes_add(app: App, customer: str, text: str) -> None:
    with app.desk(write=True) as desk:
        desk.notes.add(customer, text)
    click.echo("Note added.")


@notes.command("count")
@pass_app
def notes_count(app: App) -> None:
    with app.desk() as desk:
        click.echo(str(desk.notes.count()))


@hookimpl
def crm_register_api_parts(register: Callable[[ApiPart], None]) -> None:
    CALLS.append(("crm_register_api_parts", None))
    register(ApiPart("notes", Notes, "Notes on customers"))


def notes_count_route(request: RouteRequest) -> dict[str, int]:
    with request.desk() as desk:
        return {"notes": desk.notes.count()}


def notes_page(request: PageRequest) -> Any:
    """The notes one may see; a POST adds one (and says what file came with it)."""
    if request.method == "POST":
        try:
            with request.desk(write=True) as desk:
                desk.notes.add(request.value("customer"), request.value("text"))
        except CrmError as refused:
            return _notes_shown(request, reason=str(refused), status=422)
        sent = request.file("attachment")
        if sent is not None:
            return _notes_shown(request, upload=f"{sent.filename} {sent.path.stat().st_size}")
        return request.moved("/notes")
    return _notes_shown(request)


def _notes_shown(request: PageRequest, status: int = 200, **values: Any) -> Shown:
    with request.desk() as desk:
        count = desk.notes.count()
    return request.show("crm_test_plugin/notes.html", status, count=count, **values)


@hookimpl
def crm_register_pages(register: Callable[[WebPage], None]) -> None:
    CALLS.append(("crm_register_pages", None))
    register(
        WebPage(
            "/notes",
            "Notes",
            notes_page,
            title_zh="备注",
            methods=("GET", "POST"),
            menu=("sales", "manager"),
            package="crm_test_plugin",
        )
    )


@hookimpl
def crm_register_routes(register: Callable[[ApiRoute], None]) -> None:
    CALLS.append(("crm_register_routes", None))
    register(ApiRoute("GET", "/api/v1/notes/count", notes_count_route, "Notes you may see"))


@hookimpl
def crm_register_commands(cli: click.Group) -> None:
    CALLS.append(("crm_register_commands", cli.name))
    cli.add_command(notes)


@hookimpl
def crm_register_settings(register: Callable[[SettingSpec], None]) -> None:
    CALLS.append(("crm_register_settings", None))
    register(SettingSpec("test_plugin.forbidden_word", "forbidden", "names may not contain it"))


@hookimpl
def crm_register_permissions(register: Callable[[str, str], None]) -> None:
    CALLS.append(("crm_register_permissions", None))
    register("note-taker", "may take notes")


@hookimpl
def crm_register_translations(register: Callable[[str, Mapping[str, str]], None]) -> None:
    CALLS.append(("crm_register_translations", None))
    register("zh", {"Note added.": "已添加备注。"})


@hookimpl
def crm_plugin_enabled(ctx: Context, name: str) -> None:
    CALLS.append(("crm_plugin_enabled", name))


@hookimpl
def crm_plugin_disabled(ctx: Context, name: str) -> None:
    CALLS.append(("crm_plugin_disabled", name))


@hookimpl
def crm_migrations_starting(connection: Connection) -> None:
    CALLS.append(("crm_migrations_starting", None))


@hookimpl
def crm_deployment_migrated(ctx: Context) -> None:
    CALLS.append(("crm_deployment_migrated", None))


@hookimpl
def crm_setting_changed(ctx: Context, key: str, value: object) -> None:
    CALLS.append(("crm_setting_changed", key))


class _CountingWatcher:
    """Counts the bulk writes it sees (and changes nothing)."""

    def _block(self, what: str) -> AbstractContextManager[None]:
        CALLS.append(("crm_register_batch_watchers", what))
        return nullcontext()

    def rows_inserting(self, connection: Connection, table: str) -> AbstractContextManager[None]:
        return self._block(f"insert {table}")

    def customers_changing(
        self, connection: Connection, ids: Sequence[int]
    ) -> AbstractContextManager[None]:
        return self._block("customers")

    def customer_rows_inserting(
        self, connection: Connection, table: str, customer_ids: Sequence[int]
    ) -> AbstractContextManager[None]:
        return self._block(f"rows of customers in {table}")

    def parents_changing(
        self, connection: Connection, table: str, ids: Sequence[int]
    ) -> AbstractContextManager[None]:
        return self._block(f"parents {table}")


@hookimpl
def crm_register_batch_watchers(register: Callable[[Watcher], None]) -> None:
    register(Watcher("test_plugin", _CountingWatcher()))


# -- customer events ---------------------------------------------------------------------------


@hookimpl
def crm_validate_customer_changes(ctx: Context, changes: Sequence[CustomerChange]) -> None:
    CALLS.append(("crm_validate_customer_changes", [c.label for c in changes]))
    word = str(ctx.settings.get("test_plugin.forbidden_word"))
    for change in changes:
        if word in str(change.after.get("name") or ""):
            raise ValidationError(f"{change.label}: the name may not contain {word!r}")


@hookimpl
def crm_customers_created(ctx: Context, customer_ids: Sequence[int]) -> None:
    CALLS.append(("crm_customers_created", list(customer_ids)))
    _add_notes(ctx, customer_ids, "welcome")


@hookimpl
def crm_customers_updated(ctx: Context, changes: Sequence[CustomerChange]) -> None:
    CALLS.append(("crm_customers_updated", [c.customer_id for c in changes]))


@hookimpl
def crm_customer_level_changed(
    ctx: Context, customer: Customer, old_level: str, new_level: str
) -> None:
    CALLS.append(("crm_customer_level_changed", (customer.id, old_level, new_level)))
    if new_level == "explode":
        raise RuntimeError("boom")
    _add_notes(ctx, [customer.id], f"level {old_level} -> {new_level}")


@hookimpl
def crm_customers_transferred(ctx: Context, transfer: Transfer) -> Mapping[str, int]:
    CALLS.append(("crm_customers_transferred", transfer.customer_ids))
    if transfer.reason == "explode":
        raise RuntimeError("cannot move notes")
    moved = ctx.session.execute(
        update(_notes)
        .where(_notes.c.customer_id.in_(transfer.customer_ids))
        .values(author_id=transfer.to_user_id)
    )
    return {"notes": moved.rowcount}


@hookimpl
def crm_interactions_logged(ctx: Context, interactions: Sequence[Interaction]) -> None:
    CALLS.append(("crm_interactions_logged", [i.id for i in interactions]))


# -- contributions -----------------------------------------------------------------------------


def _write_notes(ctx: Context, rows: list[ImportRow]) -> list[int]:
    """Deliberately the simple ORM way: a plugin need not use the bulk helpers."""
    notes = []
    for row in rows:
        found = customer_service.get(ctx, row.values["customer"])
        notes.append(Note(customer_id=found.id, text=row.values["text"], author_id=ctx.actor.id))
    ctx.session.add_all(notes)
    ctx.session.flush()
    return [n.id for n in notes]


@hookimpl
def crm_register_importers(register: Callable[[Importer], None]) -> None:
    CALLS.append(("crm_register_importers", None))
    register(
        Importer(
            "notes",
            "Notes",
            (
                Column("customer", ("客户",), required=True),
                Column("text", ("内容",), required=True),
            ),
            _write_notes,
        )
    )


def _notes_per_customer(ctx: Context, params: Mapping[str, Any]) -> ReportTable:
    rows = ctx.session.execute(
        select(Customer.name, func.count(Note.id))
        .join(Note, Note.customer_id == Customer.id)
        .group_by(Customer.name)
        .order_by(Customer.name)
    ).all()
    return ReportTable(("customer", "notes"), [(n, int(c)) for n, c in rows])


@hookimpl
def crm_register_reports(register: Callable[[Report], None]) -> None:
    CALLS.append(("crm_register_reports", None))
    register(Report("notes-per-customer", "Notes per customer", _notes_per_customer))


@hookimpl
def crm_register_rollups(register: Callable[[Rollup], None]) -> None:
    CALLS.append(("crm_register_rollups", None))
    register(NOTES_BY_OWNER)


@hookimpl
def crm_collect_reminders(ctx: Context, user_ids: Sequence[int], on: date) -> Iterable[Reminder]:
    """Takes no `limit`: the core trims its list."""
    CALLS.append(("crm_collect_reminders", None))
    rows = ctx.session.execute(
        select(Note.text, Customer.name, Customer.owner_id)
        .join(Customer, Customer.id == Note.customer_id)
        .where(Note.text.startswith("TODO"), Customer.owner_id.in_(user_ids))
    )
    return [
        Reminder(on, "note", text, name, source="test_plugin", person_id=owner)
        for text, name, owner in rows
    ]


#: Digests handed to this plugin, as (login, text): a stand-in for a mail server.
DELIVERED: list[tuple[str, str]] = []


@hookimpl
def crm_deliver_reminder_digest(ctx: Context, digest: Digest) -> str:
    CALLS.append(("crm_deliver_reminder_digest", digest.login))
    DELIVERED.append((digest.login, digest.text))
    return f"test_plugin:{digest.login}"


def _noted_customers(ctx: Context, day: date) -> int:
    """Customers created in the 30 days up to `day` that have a note."""
    end = day_end(ctx, day)
    return int(
        ctx.session.scalar(
            select(func.count(func.distinct(Note.customer_id)))
            .join(Customer, Customer.id == Note.customer_id)
            .where(Customer.created_at >= end - timedelta(days=30), Customer.created_at < end)
        )
        or 0
    )


@hookimpl
def crm_register_indicators(register: Callable[[Indicator], None]) -> None:
    CALLS.append(("crm_register_indicators", None))
    register(Indicator("noted-customers", "New customers with a note", _noted_customers))


@hookimpl
def crm_customer_sections(ctx: Context, customer: Customer) -> Iterable[Section]:
    CALLS.append(("crm_customer_sections", None))
    texts = ctx.session.scalars(select(Note.text).where(Note.customer_id == customer.id))
    return [Section("Notes", [{"text": t} for t in texts], order=50, source="test_plugin")]


@hookimpl
def crm_records_changed(
    ctx: Context, entity: str, ids: Sequence[int], how: str, customer_ids: Sequence[int]
) -> None:
    CALLS.append(("crm_records_changed", (entity, how)))


@hookimpl
def crm_open_business(ctx: Context) -> Iterable[OpenBusiness]:
    """A note marked "open" keeps its customer's business open."""
    CALLS.append(("crm_open_business", None))
    yield OpenBusiness("open notes", select(Note.customer_id).where(Note.text == "open"))


@hookimpl
def crm_seed_demo_data(ctx: Context, rng: Random, scale: int) -> None:
    ids = list(ctx.session.scalars(select(Customer.id).order_by(Customer.id).limit(3 * scale)))
    _add_notes(ctx, ids, f"demo note {rng.randint(1, 9)}")
    CALLS.append(("crm_seed_demo_data", len(ids)))


# -- customization -----------------------------------------------------------------------------


@hookimpl
def crm_register_entities(register: Callable[[Entity], None]) -> None:
    CALLS.append(("crm_register_entities", None))
    register(Entity("notes", Note, "Notes", "备注", label_column="text"))


@hookimpl
def crm_register_picklists(register: Callable[[Picklist], None]) -> None:
    CALLS.append(("crm_register_picklists", None))
    register(
        Picklist("note_mood", "Note moods", "备注语气", defaults=(Choice("calm", "Calm", "平静"),))
    )


@hookimpl
def crm_register_rule_events(register: Callable[[RuleEvent], None]) -> None:
    CALLS.append(("crm_register_rule_events", None))
    register(RuleEvent("note.taken", "notes", "a note was taken (test plugin)"))


def _shout(ctx: Context, entity: Entity, ids: Sequence[int], argument: str) -> None:
    ctx.session.execute(
        update(_notes).where(_notes.c.id.in_(list(ids))).values(text=func.upper(_notes.c.text))
    )


@hookimpl
def crm_register_rule_actions(register: Callable[[RuleAction], None]) -> None:
    CALLS.append(("crm_register_rule_actions", None))
    register(RuleAction("shout", "upper-case the note (test plugin)", _shout, entities=("notes",)))


def _apply_note(ctx: Context, item: Mapping[str, Any]) -> None:
    customer = customer_service.get(ctx, str(item["customer"]))
    _add_notes(ctx, [customer.id], str(item["text"]))


@hookimpl
def crm_register_sync_kinds(register: Callable[[SyncKind], None]) -> None:
    CALLS.append(("crm_register_sync_kinds", None))
    register(
        SyncKind("note", "a note from the ERP", apply=_apply_note, required=("customer", "text"))
    )
