"""SQLite keeps planner statistics up by itself: each connection runs a bounded
`PRAGMA optimize` as it closes (PostgreSQL's autovacuum analyzes on its own)."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select, text

from crm_core.features.rollups import maintenance as rollup_upkeep
from crm_core.foundation.schema import table_of
from crm_core.foundation.types import utcnow
from crm_core.kernel.bulk import insert_rows
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import Customer


def test_a_closing_sqlite_connection_analyzes_the_tables_it_used(
    crm_deployment: Deployment,
) -> None:
    engine = crm_deployment.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL's autovacuum keeps its statistics")
    with crm_deployment.work("admin", write=True) as ctx:
        insert_rows(
            ctx.session,
            table_of(Customer),
            [
                {
                    "name": f"统计客户{n}",
                    "name_key": f"统计客户{n}",
                    "kind": "customer",
                    "level": "lead",
                    "owner_id": 1,
                    "created_at": utcnow(),
                    "updated_at": utcnow(),
                }
                for n in range(500)
            ],
        )
    crm_deployment.dispose()  # the writer's connection closes (and may analyze what it used)
    # Outside the engine, so that no closing connection analyzes anything afterwards:
    raw = sqlite3.connect(str(engine.url.database))
    raw.execute("ANALYZE")  # creates sqlite_stat1 ...
    raw.execute("DELETE FROM sqlite_stat1")  # ... and starts it empty
    raw.commit()
    raw.close()
    with crm_deployment.work("admin") as ctx:
        ctx.session.scalar(select(func.count(Customer.id)).where(Customer.owner_id == 1))
    with engine.connect() as connection:  # the unit's connection is back in the pool, open
        assert connection.execute(text("SELECT count(*) FROM sqlite_stat1")).scalar() == 0
    crm_deployment.dispose()
    with engine.connect() as connection:
        analyzed = set(connection.execute(text("SELECT tbl FROM sqlite_stat1")).scalars())
    assert "crm_customer" in analyzed


def test_a_rollup_built_from_its_source_has_planner_statistics_at_once(
    crm_deployment: Deployment,
) -> None:
    """Building a rollup analyzes it in the same step (both databases): a report read right after
    `crm upgrade` or `crm rollups rebuild` is planned from its real size and spread."""
    with crm_deployment.work("admin", write=True) as ctx:
        insert_rows(
            ctx.session,
            table_of(Customer),
            [
                {
                    "name": f"汇总统计客户{n}",
                    "name_key": f"汇总统计客户{n}",
                    "kind": "customer",
                    "level": ["lead", "vip"][n % 2],
                    "owner_id": 1,
                    "created_at": utcnow(),
                    "updated_at": utcnow(),
                }
                for n in range(300)
            ],
        )
    engine = crm_deployment.engine
    sqlite = engine.dialect.name == "sqlite"
    forget = "DELETE FROM sqlite_stat1" if sqlite else "SELECT pg_stat_reset()"
    with engine.begin() as connection:
        if sqlite:
            connection.execute(text("ANALYZE"))  # makes sure sqlite_stat1 exists
        connection.execute(text(forget))
    with crm_deployment.work("admin", write=True) as ctx:
        built = rollup_upkeep.rebuild(ctx, ("rollup_customers_by_level",))
    # its totals per team are built again from it in the same step (decision 0025)
    assert built == {"rollup_customers_by_level": 2, "rollup_team_customers_by_level": 2}
    with engine.connect() as connection:
        if sqlite:
            analyzed = set(connection.execute(text("SELECT tbl FROM sqlite_stat1")).scalars())
        else:
            analyzed = set(
                connection.execute(
                    text("SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL")
                ).scalars()
            )
    assert {"rollup_customers_by_level", "rollup_team_customers_by_level"} <= analyzed
