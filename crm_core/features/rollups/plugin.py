"""The rollups feature: keeps every registered rollup installed and in step with the schema,
the enabled plugins and the time zone, by listening to the lifecycle events; on SQLite it sees
bulk writes as batches (`crm_core.features.rollups.batches`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Connection

from crm_core import __version__
from crm_core.features.rollups import batches, maintenance, upkeep
from crm_core.hooks.batches import Watcher
from crm_core.hooks.context import Context
from crm_core.hooks.markers import hookimpl
from crm_core.hooks.plugin_spec import PluginSpec
from crm_core.hooks.rollups import PREFIX

plugin = PluginSpec(
    name="rollups",
    title="Rollups",
    title_zh="汇总表",
    version=__version__,
    description="Totals kept by database triggers, which reports and dashboards read.",
    derived_tables=PREFIX,
)


class _Batches:
    """The rollups' batch statements on SQLite (crm_core.hooks.batches.BatchWatcher)."""

    def rows_inserting(self, connection: Connection, table: str) -> AbstractContextManager[None]:
        return batches.bulk_insert(connection, table)

    def customers_changing(
        self, connection: Connection, ids: Sequence[int]
    ) -> AbstractContextManager[None]:
        return batches.customers_changing(connection, ids)

    def customer_rows_inserting(
        self, connection: Connection, table: str, customer_ids: Sequence[int]
    ) -> AbstractContextManager[None]:
        return batches.customer_rows_inserting(connection, table, customer_ids)

    def parents_changing(
        self, connection: Connection, table: str, ids: Sequence[int]
    ) -> AbstractContextManager[None]:
        return batches.parents_changing(connection, table, ids)


@hookimpl
def crm_register_batch_watchers(register: Callable[[Watcher], None]) -> None:
    register(Watcher("rollups", _Batches()))


@hookimpl
def crm_migrations_starting(connection: Connection) -> None:
    # A migration that rebuilds a table would drop or trip over its triggers: every rollup
    # goes first, and `crm_deployment_migrated` derives them again.
    upkeep.detach(connection)


@hookimpl
def crm_deployment_migrated(ctx: Context) -> None:
    maintenance.sync(ctx)


@hookimpl
def crm_plugin_enabled(ctx: Context, name: str) -> None:
    maintenance.sync(ctx)


@hookimpl
def crm_plugin_disabled(ctx: Context, name: str) -> None:
    maintenance.sync(ctx)  # its rollups go: no trigger works for a disabled block


@hookimpl
def crm_setting_changed(ctx: Context, key: str, value: Any) -> None:
    if key == "timezone":  # days and months are bucketed in the deployment's zone
        maintenance.sync(ctx)
