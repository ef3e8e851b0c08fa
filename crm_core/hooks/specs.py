"""Every hook of the crm framework, one documented function each.

A plugin implements a hook by defining a function of the same name marked
`@crm_core.contract.hookimpl`, naming only the arguments it uses (pluggy passes just those, so a
spec can grow later). Only the plugins enabled in a deployment take part, beside the core's own
features, which answer through the same hooks (`crm_core.features`). Never rely on the order in
which implementations run.

Hook kinds:
- collectors take a `register` callback, so the core validates and de-duplicates what is added;
- events return nothing and run inside the caller's transaction: raising rolls the write back,
  and the error names the plugin;
- contributions return a value per plugin, and the caller gathers the list;
- lifecycle events tell what happened to the deployment (migrated, a plugin enabled or
  disabled, a setting changed), so that what derives from it keeps itself in step.

Arguments named `ctx` are a `crm_core.contract.Context`: the session of the current transaction,
the acting user, the hooks, the deployment's settings and the user's language. Bulk paths call a
hook once per batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from random import Random
from typing import TYPE_CHECKING

from crm_core.hooks.markers import hookspec

if TYPE_CHECKING:
    import click
    from sqlalchemy import Connection

    from crm_core.hooks.api_parts import ApiPart
    from crm_core.hooks.batches import Watcher
    from crm_core.hooks.business import OpenBusiness
    from crm_core.hooks.changes import CustomerChange, Transfer
    from crm_core.hooks.context import Context
    from crm_core.hooks.entities import Entity
    from crm_core.hooks.importers import Importer
    from crm_core.hooks.indicators import Indicator
    from crm_core.hooks.pages import WebPage
    from crm_core.hooks.picklists import Picklist
    from crm_core.hooks.reminders import Digest, Reminder
    from crm_core.hooks.reports import Report
    from crm_core.hooks.rollups import Spec
    from crm_core.hooks.routes import ApiRoute
    from crm_core.hooks.rows import CustomerRow, InteractionRow
    from crm_core.hooks.rules import RuleAction, RuleEvent
    from crm_core.hooks.sections import Section
    from crm_core.hooks.settings import SettingSpec
    from crm_core.hooks.sync import SyncKind


# --------------------------------------------------------------------------------------------
# Bootstrap: what a plugin adds to the framework. Called when a deployment's plugins load.
# --------------------------------------------------------------------------------------------


@hookspec
def crm_register_commands(cli: click.Group) -> None:
    """Add click commands or groups to the `crm` command line.

    Fires when the CLI resolves a command, for the plugins enabled in the selected deployment.
    Add top-level groups with `cli.add_command(group)`, or subcommands to a core group, e.g.
    `cli.commands["customers"].add_command(claim)`. Commands reach the deployment through
    `crm_core.cli.app.pass_app`.
    """


@hookspec
def crm_register_settings(register: Callable[[SettingSpec], None]) -> None:
    """Declare deployment settings (key, default, parser, help) that `crm config` may change.

    Keys are namespaced by plugin (`customer_resources.protection_days`). A key registered
    twice is an error naming both plugins.
    """


@hookspec
def crm_register_permissions(register: Callable[[str, str], None]) -> None:
    """Declare permissions that can be granted to users: `register(name, description)`.

    `crm users grant LOGIN PERMISSION` accepts only registered names.
    """


@hookspec
def crm_register_translations(register: Callable[[str, Mapping[str, str]], None]) -> None:
    """Add message translations: `register("zh", {"English text": "中文"})`."""


@hookspec
def crm_register_batch_watchers(register: Callable[[Watcher], None]) -> None:
    """Declare code that must see bulk writes as batches (`crm_core.hooks.batches`).

    `register(Watcher(name, watcher))`: the kernel's bulk inserts and bulk updates of customers
    or parent rows open each watcher's block around the write, in the writer's transaction
    (the rollups feature keeps its totals this way on SQLite).
    """


# --------------------------------------------------------------------------------------------
# Lifecycle: what happened to the deployment, inside the transaction that did it.
# --------------------------------------------------------------------------------------------


@hookspec
def crm_migrations_starting(connection: Connection) -> None:
    """Fires on the migrating connection once, before migrations change the schema.

    Drop what a migration could trip over and you derive again afterwards (the rollups drop
    their triggers and tables here and rebuild them on `crm_deployment_migrated`). There is no
    unit of work yet: use the connection alone.
    """


@hookspec
def crm_deployment_migrated(ctx: Context) -> None:
    """Fires after `crm init` created the schema or `crm upgrade` migrated it, in a system
    unit of work: derive again what the schema's change made stale."""


@hookspec
def crm_plugin_enabled(ctx: Context, name: str) -> None:
    """Fires inside the enabling transaction, after plugin `name`'s migrations ran.

    Every enabled plugin, the new one included, hears it; seed default picklists or settings
    here when `name` is your own. Fires again on re-enable: make it idempotent.
    """


@hookspec
def crm_plugin_disabled(ctx: Context, name: str) -> None:
    """Fires inside the disabling transaction, after plugin `name` was marked disabled.

    The plugins that stay enabled hear it (`name` itself no longer takes part); its data stays.
    """


@hookspec
def crm_setting_changed(ctx: Context, key: str, value: object) -> None:
    """Fires after setting `key` was stored (`crm config set`), in the same transaction, with
    its parsed `value`: derive again what depends on it (the time zone buckets rollups)."""


# --------------------------------------------------------------------------------------------
# Customer events: validate before a write, react after it, all in the same transaction.
# --------------------------------------------------------------------------------------------


@hookspec
def crm_validate_customer_changes(ctx: Context, changes: Sequence[CustomerChange]) -> None:
    """Fires before customers are created or updated (one call per batch); raise to refuse.

    Raise `crm_core.foundation.errors.ValidationError` with a message naming the row (`change.label`);
    nothing of the batch is written. Do not write here.
    """


@hookspec
def crm_customers_created(ctx: Context, customer_ids: Sequence[int]) -> None:
    """Fires after customers were inserted, once per batch (a single add or an import batch)."""


@hookspec
def crm_customers_updated(ctx: Context, changes: Sequence[CustomerChange]) -> None:
    """Fires after customers were updated; each change holds the fields' old and new values."""


@hookspec
def crm_customer_level_changed(
    ctx: Context, customer: CustomerRow, old_level: str, new_level: str
) -> None:
    """Fires after a customer's level moved (after `crm_customers_updated` for the same write)."""


@hookspec
def crm_customers_transferred(ctx: Context, transfer: Transfer) -> Mapping[str, int] | None:
    """Fires when customers change owner; move your own records that follow the customer.

    The core has already changed `crm_customer.owner_id` and the ownership history. Update your
    rows for `transfer.customer_ids` (open opportunities, open orders, receivables ...) with one
    bulk statement each, and return what you moved as `{"label": count}` for the summary.
    Raising rolls the whole transfer back.
    """


@hookspec
def crm_interactions_logged(ctx: Context, interactions: Sequence[InteractionRow]) -> None:
    """Fires after interactions were logged (one call per batch)."""


@hookspec
def crm_records_changed(
    ctx: Context, entity: str, ids: Sequence[int], how: str, customer_ids: Sequence[int]
) -> None:
    """Fires after a person corrected, deleted or restored records of `entity` ("interactions",
    "contacts", "expenses" ...); `how` is "updated", "deleted" or "restored", `customer_ids`
    the customers those records belong to (none for products, articles). Keep what you derive
    from them in step (a customer's last interaction, say): a deleted record's row is gone when
    this fires, a restored one is back.
    """


# --------------------------------------------------------------------------------------------
# Contributions: the core's engines (import, reports, reminders, 360 view, demo) ask plugins.
# --------------------------------------------------------------------------------------------


@hookspec
def crm_register_importers(register: Callable[[Importer], None]) -> None:
    """Declare entities that `crm import` / `crm export` can read from and write to spreadsheets."""


@hookspec
def crm_register_entities(register: Callable[[Entity], None]) -> None:
    """Declare record types that custom fields, picklists, rules and sync can name.

    `register(Entity("orders", Order, "Orders", "订单", label_column="number"))`: an ORM model
    with an integer `id`, read through the session so the visibility policy applies. The model
    must be OwnerScoped or CustomerScoped; one every user may read says so with `shared=True`.
    """


@hookspec
def crm_register_picklists(register: Callable[[Picklist], None]) -> None:
    """Declare picklists: the fields they govern and their default values (code, en, zh).

    Values of a governed field must be an active code once the picklist has values; admins edit
    them with `crm picklists`. Renaming a code rewrites the governed columns.
    """


@hookspec
def crm_register_rule_events(register: Callable[[RuleEvent], None]) -> None:
    """Declare events that automation rules can listen to (name, entity, description).

    Fire one with `crm_core.features.rules.fire(ctx, "project.stage_changed", [record ids])` inside the
    write that caused it; a periodic event gives `sweep(ctx, day) -> ids` for `crm rules sweep`.
    """


@hookspec
def crm_register_rule_actions(register: Callable[[RuleAction], None]) -> None:
    """Declare named actions that rules can run (`--do "NAME ARGUMENT"`).

    An action gets the context, the event's entity, the record ids and the rule's argument, and
    runs inside the event's transaction: raising refuses the whole write.
    """


@hookspec
def crm_register_sync_kinds(register: Callable[[SyncKind], None]) -> None:
    """Declare what `crm sync import` applies from an ERP (order status, payments ...).

    Each kind names the item fields it needs and a function applying one item; the core makes
    it idempotent (an item seen before with the same content is skipped).
    """


@hookspec
def crm_register_api_parts(register: Callable[[ApiPart], None]) -> None:
    """Add parts to the library API: `register(ApiPart("projects", Projects))` makes
    `desk.projects` a `Projects(ctx)` for each unit of work. A plugin's commands call its part,
    so the CLI, scripts and the REST API share one path and one JSON shape."""


@hookspec
def crm_register_routes(register: Callable[[ApiRoute], None]) -> None:
    """Add routes to the REST API beside those of the plugin's commands:
    `register(ApiRoute("GET", "/api/v1/dealers/{customer}/credit", handler, "A dealer's credit"))`.
    Fires when the server builds its route table for the enabled plugins."""


@hookspec
def crm_register_pages(register: Callable[[WebPage], None]) -> None:
    """Add web pages beside the core's: `register(WebPage("/projects", "Projects", handler,
    title_zh="项目", menu=("manager", "sales"), package="crm_x"))`. Fires when the server
    builds its route table for the enabled plugins (after one is enabled or disabled)."""


@hookspec
def crm_register_reports(register: Callable[[Report], None]) -> None:
    """Declare reports that `crm report run NAME` computes (aggregated in SQL)."""


@hookspec
def crm_register_rollups(register: Callable[[Spec], None]) -> None:
    """Declare rollups that triggers keep in step with their source rows: totals per key
    (`Rollup`), each customer's newest source row (`Newest`), a rollup's totals per team
    (`TeamTotals`) or a day rollup folded into months with a bit per active day
    (`MonthlyDays`); the last two registered after their rollup.

    Called when a deployment is created, upgraded or a plugin enabled, and when the time zone
    changes: `crm rollups` then installs each rollup whose SQL changed and fills it from its
    source. Reports read a rollup through its model, which the visibility policy filters by the
    customer's owner (a `MonthlyDays` too), by the customer for a `Newest`, by team for
    `TeamTotals` (see docs/reports.md, "Rollups").
    """


@hookspec
def crm_collect_reminders(
    ctx: Context, user_ids: Sequence[int], on: date, limit: int | None, overdue_only: bool
) -> Iterable[Reminder] | None:
    """Return what is due on day `on` (overdue items included) for the people `user_ids`.

    Called by `crm reminders` and `crm dashboard`: once with the user alone, and once with all
    the people a manager manages (for their overdue items), so a team of two thousand costs one
    query per kind, not two thousand. Filter with `IN (user_ids)` and set `person_id` on each
    `Reminder`. Return only rows the acting user may see (ORM queries are filtered for you).
    With `limit`, return at most that many items of each kind, the earliest due first (`ORDER
    BY` due date `LIMIT` in SQL); None asks for all. An implementation that ignores `limit`
    still works: the core keeps the earliest of each kind. `overdue_only` (the team's call)
    asks only for items due before `on`: skip the kinds that cannot be overdue (due today,
    ending next week) and filter `due < on` in SQL. An implementation that ignores it (or does
    not take the argument) still works: the core drops the rest.
    """


@hookspec
def crm_deliver_reminder_digest(ctx: Context, digest: Digest) -> str | None:
    """Deliver a reminder digest (`crm reminders --send`); return where it went, or None.

    Fires once per digest, after it is built and outside any write. The core answers only when
    the `reminders_outbox` setting names a folder (it writes a text file there); a plugin sends
    it by mail or instant message. A raised error is reported and nothing is marked as sent.
    """


@hookspec
def crm_register_indicators(register: Callable[[Indicator], None]) -> None:
    """Declare rollout indicators that goals can use (`crm rollout indicators`).

    An indicator computes one number from the data as of a day, so that its value at go-live
    (the baseline) can be computed afterwards as well as its value today.
    """


@hookspec
def crm_customer_sections(ctx: Context, customer: CustomerRow) -> Iterable[Section] | None:
    """Return sections for the customer 360 view (`crm customers show`)."""


@hookspec
def crm_open_business(ctx: Context) -> Iterable[OpenBusiness] | None:
    """Name the records that keep a customer's business open, one `OpenBusiness` per kind.

    Each selects customer ids (`select(Order.customer_id).where(Order.status == "open")`).
    Protection expiry and its reminder leave such customers with their holder; a customer with
    any open business is never returned to the shared pool by the clock.
    """


@hookspec
def crm_seed_demo_data(ctx: Context, rng: Random, scale: int) -> None:
    """Fires when demo data is generated; write fictional data for your own tables.

    `rng` is seeded, so the demo is repeatable; `scale` multiplies row counts. The core's own
    users, teams, customers and products exist already.
    """


def all_hook_names() -> list[str]:
    """Every hook name declared here (used by the meta-tests)."""
    return sorted(name for name in globals() if name.startswith("crm_"))
