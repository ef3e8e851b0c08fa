"""Alembic glue: one environment, one branch per plugin, each branch's versions in its package.

The core's branch is labelled `crm_core`; a plugin's branch carries the plugin's name. Version
locations include every installed plugin (so a disabled plugin's revisions stay known), but only
the branches asked for are upgraded.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from crm_core.plugins import PluginCatalog

VERSION_TABLE = "crm_alembic_version"
CORE_VERSIONS = Path(__file__).parent / "migrations" / "versions"


def alembic_config(catalog: PluginCatalog, connection: Connection | None = None) -> Config:
    locations = [str(CORE_VERSIONS)]
    for found in catalog.installed.values():
        if found.ok and found.spec is not None and found.spec.migrations:
            path = found.spec.migrations_path()
            if path is not None:
                locations.append(str(path))
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", os.pathsep.join(locations))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, catalog: PluginCatalog, branches: Iterable[str]) -> None:
    """Bring each named branch (`crm_core` or a plugin name) to its head, in one transaction."""
    with engine.begin() as connection:
        config = alembic_config(catalog, connection)
        for branch in branches:
            command.upgrade(config, f"{branch}@head")


def downgrade(engine: Engine, catalog: PluginCatalog, target: str) -> None:
    with engine.begin() as connection:
        command.downgrade(alembic_config(catalog, connection), target)


def current_heads(connection: Connection) -> set[str]:
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return set(context.get_current_heads())


def branch_heads(catalog: PluginCatalog) -> dict[str, str]:
    """The head revision of every known branch, by branch label."""
    script = ScriptDirectory.from_config(alembic_config(catalog))
    labels = {label for rev in script.walk_revisions() for label in rev.branch_labels}
    heads: dict[str, str] = {}
    for label in sorted(labels):
        head = script.get_revision(f"{label}@head")
        if head is not None:
            heads[label] = head.revision
    return heads
