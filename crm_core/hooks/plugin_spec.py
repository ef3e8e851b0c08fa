"""What a plugin declares about itself (`plugin = PluginSpec(...)`) and how its tables are tagged."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs
from sqlalchemy import Table

from crm_core.foundation.schema import metadata

#: The version of the plugin contract (crm_core.contract) this core offers: a plugin written for
#: `major.minor` loads when the major is the same and its minor is not newer (docs/contract.md).
CONTRACT_VERSION = "1.3"

#: Table.info key naming the plugin that owns a table (core tables carry none).
TABLE_OWNER = "crm_plugin"


def _as_tuple(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen
class PluginSpec:
    """What a plugin declares about itself, as `plugin = PluginSpec(...)` in its module."""

    name: str
    title: str
    version: str
    requires: tuple[str, ...] = attrs.field(default=(), converter=_as_tuple)
    #: Prefix of every table the plugin owns, e.g. "cr_".
    table_prefix: str = ""
    #: Dotted package holding the plugin's Alembic versions (its own branch), if it has tables.
    migrations: str | None = None
    title_zh: str = ""
    description: str = ""
    #: Prefix of tables the plugin derives itself outside migrations (the rollups feature's
    #: "rollup_"): migrations neither create, compare nor drop them.
    derived_tables: str = ""
    #: The contract version the plugin was written for (`crm_core.contract.CONTRACT_VERSION`).
    contract: str = CONTRACT_VERSION

    def contract_problem(self) -> str | None:
        """Why this core cannot load the plugin for its contract version, or None."""
        try:
            major, minor = (int(part) for part in self.contract.split("."))
            ours_major, ours_minor = (int(part) for part in CONTRACT_VERSION.split("."))
        except ValueError:
            return f"contract {self.contract!r} is not a version (write {CONTRACT_VERSION!r})"
        if major != ours_major or minor > ours_minor:
            return f"written for contract {self.contract}; this core offers {CONTRACT_VERSION}"
        return None

    def tables(self) -> list[Table]:
        """The tables this plugin owns (tagged `info={"crm_plugin": name}`)."""
        return [t for t in metadata.sorted_tables if t.info.get(TABLE_OWNER) == self.name]

    def migrations_path(self) -> Path | None:
        if self.migrations is None:
            return None
        package = importlib.import_module(self.migrations)
        return Path(next(iter(package.__path__)))


def plugin_table(plugin: str, *args: Any) -> tuple[Any, ...]:
    """`__table_args__` for a plugin's model: the given constraints plus the owner tag."""
    return (*args, {"info": {TABLE_OWNER: plugin}})
