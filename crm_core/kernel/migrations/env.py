"""Alembic environment for the core and every plugin branch (see crm_core.kernel.migrate)."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

import crm_core.kernel.models  # noqa: F401  (registers the core tables)
from crm_core.foundation.schema import metadata
from crm_core.hooks.plugin_spec import TABLE_OWNER
from crm_core.kernel.migrate import DERIVED_PREFIXES, STARTING, VERSION_TABLE

config = context.config
#: When set (autogenerate for one branch), only that owner's tables are compared.
only_owner: str | None = config.attributes.get("crm_owner")
#: Tables derived by a feature or plugin (rollups): neither migrated nor even reflected.
derived: tuple[str, ...] = tuple(config.attributes.get(DERIVED_PREFIXES, ()))


def _derived(name: str | None) -> bool:
    return any((name or "").startswith(prefix) for prefix in derived)


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    if type_ == "table":
        if name == VERSION_TABLE or _derived(name):
            return False
        table = compare_to if obj is None else obj
        if only_owner is None:
            return True
        owner = table.info.get(TABLE_OWNER, "crm_core") if table is not None else None
        if owner is None:  # reflected table unknown to the metadata: belongs to its prefix
            return False
        return bool(owner == only_owner)
    return True


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    return not (type_ == "table" and _derived(name))


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """The core's column types (money, UTC times) as a plugin's migration names them: through
    the plugin contract, the one part of crm_core a plugin imports."""
    if type_ == "type" and type(obj).__module__.startswith("crm_core."):
        autogen_context.imports.add("import crm_core.contract.tables")
        return f"crm_core.contract.tables.{obj!r}"
    return False


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
        render_item=render_item,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        starting = config.attributes.get(STARTING)
        if starting is not None and _changes_schema(connection):
            starting(connection)
        context.run_migrations()


def _changes_schema(connection: Any) -> bool:
    """Whether this command will run migrations (not one naming a revision already current,
    nor `revision`, which compares and writes a file)."""
    try:
        target = context.get_revision_argument()
    except KeyError:  # a command without a destination: `revision --autogenerate`
        return False
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
