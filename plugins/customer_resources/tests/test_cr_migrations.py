"""The customer_resources branch matches its models, downgrades and upgrades again."""

from __future__ import annotations

from alembic import command
from conftest import Block1
from sqlalchemy import inspect

from crm_core.contract.testing import schema_differences
from crm_core.kernel.migrate import alembic_config


def test_branch_round_trip(block1: Block1) -> None:
    deployment = block1.deployment
    assert schema_differences(deployment, {"crm_core", "customer_resources"}) == []
    with deployment.engine.begin() as conn:
        command.downgrade(alembic_config(deployment.catalog, conn), "customer_resources@base")
    tables = set(inspect(deployment.engine).get_table_names())
    assert not any(t.startswith("cr_") for t in tables) and "crm_customer" in tables
    with deployment.engine.begin() as conn:
        command.upgrade(alembic_config(deployment.catalog, conn), "customer_resources@head")
    assert schema_differences(deployment, {"crm_core", "customer_resources"}) == []
