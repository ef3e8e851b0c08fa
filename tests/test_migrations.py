"""Each Alembic branch upgrades, downgrades, and matches the models exactly."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from crm_core.contract.testing import schema_differences
from crm_core.kernel import lifecycle
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.migrate import VERSION_TABLE, alembic_config, branch_heads, current_heads

_diff = schema_differences


def test_core_and_plugin_branches_match_models(crm_deployment: Deployment) -> None:
    assert _diff(crm_deployment, {"crm_core"}) == []
    lifecycle.enable(crm_deployment, crm_deployment.resolve_actor("admin"), ["test_plugin"])
    assert _diff(crm_deployment, {"crm_core", "test_plugin"}) == []
    heads = branch_heads(crm_deployment.catalog)
    script = ScriptDirectory.from_config(alembic_config(crm_deployment.catalog))
    with crm_deployment.engine.connect() as conn:
        current = current_heads(conn)
    # A revision that another depends on is not stored as a head; count every ancestor as applied.
    applied = {r.revision for r in script.revision_map.iterate_revisions(tuple(current), "base")}
    assert {heads["crm_core"], heads["test_plugin"]} <= applied


def test_branches_downgrade_and_upgrade_again(crm_deployment: Deployment) -> None:
    lifecycle.enable(crm_deployment, crm_deployment.resolve_actor("admin"), ["test_plugin"])
    engine = crm_deployment.engine
    with engine.begin() as conn:
        command.downgrade(alembic_config(crm_deployment.catalog, conn), "test_plugin@base")
    tables = set(inspect(engine).get_table_names())
    assert "tp_note" not in tables and "crm_customer" in tables
    with engine.begin() as conn:
        command.downgrade(alembic_config(crm_deployment.catalog, conn), "base")
    assert set(inspect(engine).get_table_names()) <= {VERSION_TABLE}
    with engine.begin() as conn:
        config = alembic_config(crm_deployment.catalog, conn)
        command.upgrade(config, "crm_core@head")
        command.upgrade(config, "test_plugin@head")
    assert _diff(crm_deployment, {"crm_core", "test_plugin"}) == []
