"""Alembic environment for the core and every plugin branch (see crm_core.migrate)."""

from __future__ import annotations

from typing import Any

from alembic import context
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

import crm_core.models  # noqa: F401  (registers the core tables)
from crm_core import rollups
from crm_core.db import metadata
from crm_core.migrate import VERSION_TABLE
from crm_core.plugins import TABLE_OWNER
from crm_core.rollups import PREFIX as ROLLUP_PREFIX

config = context.config
#: When set (autogenerate for one branch), only that owner's tables are compared.
only_owner: str | None = config.attributes.get("crm_owner")


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    if type_ == "table":
        if name == VERSION_TABLE or (name or "").startswith(ROLLUP_PREFIX):
            return False  # rollups are derived by crm_core.rollups, not migrated
        table = compare_to if obj is None else obj
        if only_owner is None:
            return True
        owner = table.info.get(TABLE_OWNER, "crm_core") if table is not None else None
        if owner is None:  # reflected table unknown to the metadata: belongs to its prefix
            return False
        return bool(owner == only_owner)
    return True


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Rollup tables are derived (crm_core.rollups): not even reflected."""
    return not (type_ == "table" and (name or "").startswith(ROLLUP_PREFIX))


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        url = config.get_main_option("sqlalchemy.url")
        if not url:
            raise SystemExit("set sqlalchemy.url or pass a connection")
        with create_engine(url).begin() as own:
            _configure_and_run(own)
    else:
        _configure_and_run(connection)


def _configure_and_run(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        include_object=include_object,
        include_name=include_name,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        if _changes_schema(connection):
            rollups.detach(connection)  # derived again by rollups.sync afterwards
        context.run_migrations()


def _changes_schema(connection: Any) -> bool:
    """Whether this command will run migrations (not one that names a revision already current)."""
    target = context.get_revision_argument()
    if not isinstance(target, str):
        return True
    try:
        revision = context.script.get_revision(target)
    except Exception:  # relative ("-1"), "base", several heads: assume it moves
        return True
    current = MigrationContext.configure(
        connection, opts={"version_table": VERSION_TABLE}
    ).get_current_heads()
    return revision is None or revision.revision not in current


run()
