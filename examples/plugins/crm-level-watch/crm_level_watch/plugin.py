"""level_watch: a "notify" field on customers, and a notice written to a file whenever a watched
customer's level changes. One table, one setting, an API part and its command group, and hooks."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import attrs
import click
from sqlalchemy import select

from crm_core.contract import Context, NotFound, PluginSpec, customers, hookimpl
from crm_core.contract.cli import App, emit_records, format_option, pass_app
from crm_core.contract.models import Customer
from crm_core.contract.records import ApiPart, Section, SettingSpec
from crm_core.contract.server import ApiRoute, RouteRequest
from crm_level_watch.models import Watch

plugin = PluginSpec(
    name="level_watch",  # must equal the entry point's name
    title="Level watch",
    title_zh="客户级别提醒",
    version="0.1.0",
    table_prefix="lw_",
    migrations="crm_level_watch.migrations.versions",
)

NOTICES = "level_watch.notices"


def notices_file(ctx: Context) -> Path:
    return Path(str(ctx.settings.get(NOTICES))).expanduser()


def set_notify(ctx: Context, customer_ref: str, notify: str) -> Watch:
    """Set who to tell about CUSTOMER; `customers.get` refuses customers the actor may not see."""
    customer = customers.get(ctx, customer_ref)
    watch = ctx.session.scalar(select(Watch).where(Watch.customer_id == customer.id))
    if watch is None:
        watch = Watch(customer_id=customer.id, notify=notify)
        ctx.session.add(watch)
    else:
        watch.notify = notify
    ctx.session.flush()
    return watch


@attrs.frozen
class WatchRecord:
    customer: str
    notify: str


class Watches:
    """`desk.level_watch`: who is told about which customer's level changes."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def set(self, customer: str, notify: str) -> WatchRecord:
        watch = set_notify(self._ctx, customer, notify)
        found = self._ctx.session.get(Customer, watch.customer_id)
        return WatchRecord(found.name if found else customer, notify)

    def list(self) -> tuple[WatchRecord, ...]:
        """The watched customers you may see, by name."""
        query = (
            select(Customer.name, Watch.notify)
            .join(Customer, Customer.id == Watch.customer_id)
            .order_by(Customer.name)
        )
        return tuple(WatchRecord(name, notify) for name, notify in self._ctx.session.execute(query))


# -- hooks ---------------------------------------------------------------------------------------


@hookimpl
def crm_register_settings(register: Callable[[SettingSpec], None]) -> None:
    register(SettingSpec(NOTICES, "level-notices.jsonl", "file that level-change notices go to"))


@hookimpl
def crm_register_translations(register: Callable[[str, Mapping[str, str]], None]) -> None:
    register("zh", {"notify": "通知对象", "Level watch": "级别提醒"})


@hookimpl
def crm_customer_level_changed(
    ctx: Context, customer: Customer, old_level: str, new_level: str
) -> None:
    watch = ctx.session.scalar(select(Watch).where(Watch.customer_id == customer.id))
    if watch is None:
        return
    notice = {
        "at": ctx.now().isoformat(timespec="seconds"),
        "customer": customer.name,
        "from": old_level,
        "to": new_level,
        "by": ctx.actor.login,
        "notify": watch.notify,
    }
    # Appended inside the transaction: a rolled-back change can leave a notice behind, so a
    # real sender would queue the notice in a table and send it after commit.
    with notices_file(ctx).open("a", encoding="utf-8") as out:
        out.write(json.dumps(notice, ensure_ascii=False) + "\n")


@hookimpl
def crm_customer_sections(ctx: Context, customer: Customer) -> Iterable[Section] | None:
    watch = ctx.session.scalar(select(Watch).where(Watch.customer_id == customer.id))
    if watch is None:
        return None
    return [Section("Level watch", [{"notify": watch.notify}], order=150, source="level_watch")]


@hookimpl
def crm_register_api_parts(register: Callable[[ApiPart], None]) -> None:
    register(ApiPart("level_watch", Watches, "Level watches"))


@hookimpl
def crm_register_commands(cli: click.Group) -> None:
    cli.add_command(level_watch)


def watch_of(request: RouteRequest) -> dict[str, str]:
    """`GET /api/v1/level-watch/{customer}`: who is told about this customer (404: nobody)."""
    with request.desk() as desk:
        customer = desk.customers.get(request.value("customer"))
        found = [w for w in desk.level_watch.list() if w.customer == customer.name]
    if not found:
        raise NotFound(f"nobody watches {customer.name}")
    return {"customer": customer.name, "notify": found[0].notify}


@hookimpl
def crm_register_routes(register: Callable[[ApiRoute], None]) -> None:
    register(ApiRoute("GET", "/api/v1/level-watch/{customer}", watch_of, "Who watches a customer"))


# -- commands ------------------------------------------------------------------------------------


@click.group("level-watch")
def level_watch() -> None:
    """Who to tell when a customer's level changes.  客户级别变化提醒。"""


@level_watch.command("set")
@click.argument("customer")
@click.argument("notify")
@pass_app
def set_command(app: App, customer: str, notify: str) -> None:
    """Tell NOTIFY when CUSTOMER's level changes."""
    with app.desk(write=True) as desk:
        watch = desk.level_watch.set(customer, notify)
    click.echo(f"{watch.customer}: notify {watch.notify}")


@level_watch.command("list")
@format_option
@pass_app
def list_command(app: App, fmt: str) -> None:
    """The watched customers you may see."""
    with app.desk() as desk:
        found = desk.level_watch.list()
    emit_records(found, fmt, WatchRecord)
