"""Each Alembic branch upgrades, downgrades, and matches the models exactly."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import insert, inspect, select

from crm_core.contract.testing import schema_differences
from crm_core.foundation.schema import table_of
from crm_core.kernel import lifecycle
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.migrate import VERSION_TABLE, alembic_config, branch_heads, current_heads
from crm_core.kernel.models import Customer

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


def test_keys_by_skeleton_are_derived_again_and_customers_that_now_coincide_both_stay(
    crm_deployment: Deployment,
) -> None:
    """Two customers whose old keys differed but whose skeletons coincide (a Hangul filler, a
    traditional character) both stay after the migration; the later one's key is marked."""
    engine = crm_deployment.engine
    customers = table_of(Customer)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    old = [
        ("北京华远科技", "北京华远科技", "13800138000", "13800138000"),
        ("北京華遠科技", "北京華遠科技", "١٣٨٠٠١٣٨٠٠٠", "١٣٨٠٠١٣٨٠٠٠"),
        ("神祕公司\u3164", "神祕\u3164", "086 13900139000", "08613900139000"),
    ]
    with engine.begin() as conn:
        conn.execute(
            insert(customers),
            [
                {
                    "name": n,
                    "name_key": k,
                    "phone": p,
                    "phone_key": pk,
                    "kind": "customer",
                    "level": "lead",
                    "created_at": now,
                    "updated_at": now,
                }
                for n, k, p, pk in old
            ],
        )
        config = alembic_config(crm_deployment.catalog, conn)
        command.downgrade(config, "0007_drop_redundant_owner_index")
        command.upgrade(config, "crm_core@head")
    with engine.connect() as conn:
        keys = dict(conn.execute(select(customers.c.name, customers.c.name_key)).all())
        phones = dict(conn.execute(select(customers.c.name, customers.c.phone_key)).all())
    assert keys["北京华远科技"] == "北京华远科技"
    assert keys["北京華遠科技"].startswith("北京华远科技#")  # the later one, marked
    assert keys["神祕公司\u3164"] == "神秘"
    assert phones["北京華遠科技"].startswith("13800138000#")
    assert phones["神祕公司\u3164"] == "13900139000"
