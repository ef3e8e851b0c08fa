"""The plugin contract, version 1.3: everything a plugin imports from crm_core.

    from crm_core.contract import Context, PluginSpec, hookimpl
    from crm_core.contract.tables import Base, OwnerScoped, plugin_table
    from crm_core.contract.reports import Report, ReportParam, ReportTable

A plugin imports nothing else of crm_core (a test holds the shipped plugins to it). Names in
`crm_core.contract` and its modules keep their meaning within a major version: a minor version
only adds; a name to be removed is deprecated first (it warns) for at least one minor version and
goes with the next major (docs/contract.md). The modules:

- `crm_core.contract`: the plugin's declaration and hooks, the unit of work, errors, messages;
- `tables`: the declarative base, table mixins under the visibility policy, column types;
- `models`: the core's tables a plugin may read and reference;
- `records`: what collector hooks register (importers, entities, picklists, settings ...);
- `reports`, `rollups`: reports and the totals that keep them fast;
- `access`: who may see and who may change a record;
- `queries`, `writes`: SQL helpers for reads and bulk writes at a million rows;
- `customers`, `contacts`, `products`, `picklists`, `transfers`, `rules`, `sync`, `trash`: core
  services;
- `cli`: adding `crm` commands; `server`: adding REST routes; `web`: adding web
  pages; `testing`: the pytest fixtures.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from crm_core.foundation.errors import (
    CrmError,
    DuplicateError,
    NotFound,
    PermissionDenied,
    PluginError,
    ValidationError,
)
from crm_core.foundation.i18n import _
from crm_core.hooks.actor import SYSTEM, Actor
from crm_core.hooks.context import Context
from crm_core.hooks.markers import hookimpl, hookspec
from crm_core.hooks.plugin_spec import CONTRACT_VERSION, PluginSpec

__all__ = [
    "CONTRACT_VERSION",
    "SYSTEM",
    "Actor",
    "Context",
    "CrmError",
    "DuplicateError",
    "NotFound",
    "PermissionDenied",
    "PluginError",
    "PluginSpec",
    "ValidationError",
    "_",
    "hookimpl",
    "hookspec",
    "plugin_module",
]


def plugin_module(ctx: Context, plugin: str, module: str) -> ModuleType | None:
    """Another plugin's module, only when that plugin takes part in this deployment; else None.

    The way to use another plugin's data optionally, without requiring it: project_sales reads
    customer_resources' orders when block 1 is enabled, and does without them otherwise.

        orders = plugin_module(ctx, "customer_resources", "crm_customer_resources.models")
        if orders is not None:
            ...  # query orders.Order
    """
    if not ctx.is_enabled(plugin):
        return None
    return importlib.import_module(module)
