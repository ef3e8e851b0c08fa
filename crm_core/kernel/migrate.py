"""Alembic glue: one environment, one branch per plugin, each branch's versions in its package.

The core's branch is labelled `crm_core`; a plugin's branch carries the plugin's name. Version
locations include every installed plugin (so a disabled plugin's revisions stay known), but only
the branches asked for are upgraded.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine

from crm_core.kernel.plugins import PluginCatalog
from crm_core.kernel.runtime import build_runtime

if TYPE_CHECKING:
    # Alembic is imported by the functions that migrate: opening a deployment does not need it.
    from alembic.config import Config
    from alembic.script import ScriptDirectory

VERSION_TABLE = "crm_alembic_version"
CORE_VERSIONS = Path(__file__).parent / "migrations" / "versions"
#: `Config.attributes` key: the prefixes of derived tables (see `derived_prefixes`).
DERIVED_PREFIXES = "crm_derived_prefixes"
#: `Config.attributes` key: what hears, on the connection, that migrations will change the
#: schema (called by the environment before a command that moves any branch).
STARTING = "crm_migrations_starting"

#: Called with the connection before migrations change the schema.
Starting = Callable[[Connection], None]


def alembic_config(
    catalog: PluginCatalog, connection: Connection | None = None, starting: Starting | None = None
) -> Config:
    """The Alembic configuration of every installed plugin's branch. `starting` hears, before
    any command changes the schema, on the migrating connection (by default the core's features
    hear `crm_migrations_starting`)."""
    from alembic.config import Config

    locations = [str(CORE_VERSIONS)]
    for found in catalog.installed.values():
        if found.ok and found.spec is not None and found.spec.migrations:
            path = found.spec.migrations_path()
            if path is not None:
                locations.append(str(path))
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("path_separator", "os")
    if _alembic_before((1, 16)):
        config.set_main_option("version_path_separator", "os")  # its name before 1.16
    config.set_main_option("version_locations", os.pathsep.join(locations))
    config.attributes["connection"] = connection
    config.attributes[DERIVED_PREFIXES] = derived_prefixes(catalog)
    config.attributes[STARTING] = starting or _features_hear(catalog)
    return config


def _alembic_before(version: tuple[int, int]) -> bool:
    from alembic import __version__

    return tuple(int(part) for part in __version__.split(".")[:2]) < version


def _features_hear(catalog: PluginCatalog) -> Starting:
    def starting(connection: Connection) -> None:
        build_runtime(catalog, []).hook.crm_migrations_starting(connection=connection)

    return starting


def derived_prefixes(catalog: PluginCatalog) -> tuple[str, ...]:
    """The name prefixes of tables that features and plugins derive themselves (rollups):
    migrations neither create, compare nor drop them."""
    found = {*catalog.features.values(), *catalog.installed.values()}
    return tuple(
        sorted(
            {f.spec.derived_tables for f in found if f.spec is not None and f.spec.derived_tables}
        )
    )


def upgrade_branches(config: Config, branches: Iterable[str]) -> None:
    """Bring each named branch (`crm_core` or a plugin name) to its head."""
    from alembic import command

    for branch in branches:
        command.upgrade(config, f"{branch}@head")


def upgrade(
    engine: Engine,
    catalog: PluginCatalog,
    branches: Iterable[str],
    starting: Starting | None = None,
) -> None:
    """`upgrade_branches` in one transaction of its own."""
    with engine.begin() as connection:
        upgrade_branches(alembic_config(catalog, connection, starting), branches)


def downgrade(
    engine: Engine, catalog: PluginCatalog, target: str, starting: Starting | None = None
) -> None:
    from alembic import command

    with engine.begin() as connection:
        command.downgrade(alembic_config(catalog, connection, starting), target)


def current_heads(connection: Connection) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return set(context.get_current_heads())


def branch_heads(catalog: PluginCatalog) -> dict[str, str]:
    """The head revision of every known branch, by branch label."""
    from alembic.script import ScriptDirectory

    return _heads(ScriptDirectory.from_config(alembic_config(catalog)))


def _heads(script: ScriptDirectory) -> dict[str, str]:
    labels = {label for rev in script.walk_revisions() for label in rev.branch_labels}
    heads: dict[str, str] = {}
    for label in sorted(labels):
        head = script.get_revision(f"{label}@head")
        if head is not None:
            heads[label] = head.revision
    return heads
