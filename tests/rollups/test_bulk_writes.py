"""Bulk writes (inserts, transfers, imports) keep rollups equal, in one grouped statement per
rollup, and leave every trigger as it was, also after a failure.

Each test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import (
    func,
    insert,
    select,
)

from crm_core.features.customers.rollups import CustomersByIndustry
from crm_core.foundation.schema import table_of
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import Customer, User
from tests.rollups.world import (
    BASE,
    CUSTOMERS,
    INTERACTIONS,
    _bulk_customers,
    _differences,
    _ids,
    _triggers,
    apply,
)

pytest.importorskip("crm_customer_resources")

pytest.importorskip("crm_project_sales")


def test_bulk_inserts_keep_rollups_equal_and_leave_every_trigger_in_place(
    world: Deployment,
) -> None:
    from crm_core.kernel.bulk import insert_rows

    with world.engine.connect() as connection:
        installed = _triggers(connection)
    assert {"rollup_customers_by_level_insert", "rollup_interactions_by_day_insert"} <= installed
    with world.work("admin", write=True) as ctx:
        users = [None, *_ids(ctx.session.connection(), table_of(User))[:5]]
        new = insert_rows(ctx.session, CUSTOMERS, _bulk_customers(120, users))
        insert_rows(
            ctx.session,
            INTERACTIONS,
            [
                {
                    "customer_id": new[n % len(new)],
                    "user_id": users[1 + n % 5],
                    "kind": "visit",
                    "occurred_at": BASE + timedelta(minutes=37 * n),
                    "created_at": BASE,
                }
                for n in range(300)
            ],
            with_ids=False,
        )
        insert_rows(ctx.session, CUSTOMERS, [])  # nothing to add
        connection = ctx.session.connection()
        assert set(_differences(connection, world).values()) == {0}
        assert _triggers(connection) == installed
        apply(connection, ("log", 3, 2, BASE), users)  # a row written afterwards is counted
        assert set(_differences(connection, world).values()) == {0}
    with world.engine.connect() as connection:
        assert set(_differences(connection, world).values()) == {0}
        assert _triggers(connection) == installed


def test_a_failed_bulk_insert_leaves_the_rollups_and_their_triggers_as_they_were(
    world: Deployment,
) -> None:
    import sqlite3

    import psycopg
    from sqlalchemy.exc import IntegrityError

    from crm_core.kernel.bulk import insert_rows

    with world.engine.connect() as connection:
        installed = _triggers(connection)
    with world.work("admin", write=True) as ctx:
        connection = ctx.session.connection()
        users = [None, *_ids(connection, table_of(User))[:5]]
        clashing = _bulk_customers(60, users) + _bulk_customers(1, users)
        refused = (IntegrityError, sqlite3.IntegrityError, psycopg.IntegrityError)
        with pytest.raises(refused), ctx.session.begin_nested():
            insert_rows(ctx.session, CUSTOMERS, clashing)
        assert _triggers(connection) == installed
        apply(connection, ("log", 1, 1, BASE), users)
        connection.execute(insert(CUSTOMERS).values(**_bulk_customers(1, users, "单个客户")[0]))
        assert set(_differences(connection, world).values()) == {0}
        # A value refused while the rows are bound, the caller not (yet) rolling back: on
        # SQLite the triggers are back at once all the same (PostgreSQL has aborted the
        # transaction; its triggers were never touched).
        naive = _bulk_customers(60, users, "无时区")
        naive[30]["created_at"] = datetime(2026, 10, 30, 8, 0)
        with pytest.raises(ValueError, match="timezone-aware"):
            insert_rows(ctx.session, CUSTOMERS, naive)
        if connection.dialect.name == "sqlite":
            assert _triggers(connection) == installed
        ctx.session.rollback()
    with world.engine.connect() as connection:
        assert _triggers(connection) == installed


def test_a_transfer_moves_a_book_through_every_rollup_at_once(world: Deployment) -> None:
    """transfer.reassign takes the customers out of every rollup, updates them, and puts them
    back under the new owner (SQLite: one grouped statement per rollup, no row triggers)."""
    from crm_core.services import transfer

    with world.engine.begin() as connection:
        users = [None, *_ids(connection, table_of(User))[:6]]
        for k in range(30):
            apply(connection, ("log", k, 1 + k % 5, BASE + timedelta(hours=5 * k)), users)
            apply(connection, ("order", k, 1 + k % 5, date(2026, 10, 1 + k % 28), "88.80"), users)
        installed = _triggers(connection)
    with world.work("admin", write=True) as ctx:
        owners = dict(ctx.session.execute(select(Customer.id, Customer.owner_id)).all())
        to = users[2]
        transfer.reassign(ctx, owners, to, "交接")
        connection = ctx.session.connection()
        assert set(_differences(connection, world).values()) == {0}
        assert _triggers(connection) == installed
        left = ctx.session.scalar(
            select(func.count(Customer.id)).where(Customer.owner_id.is_distinct_from(to))
        )
        assert left == 0
        apply(connection, ("owner", 4, 3), users)  # a row update afterwards is counted
        apply(connection, ("order_seller", 2, 1), users)
        assert set(_differences(connection, world).values()) == {0}


def test_an_import_that_updates_customers_keeps_rollups_equal(
    world: Deployment, crm_cli: Any, tmp_path: Any
) -> None:
    with world.work("admin") as ctx:
        names = list(ctx.session.scalars(select(Customer.name).order_by(Customer.id)))
    sheet = tmp_path / "客户.csv"
    sheet.write_text(
        "客户名称,行业,地区\n"
        + "".join(f"{name},物流,西南\n" for name in names[:3])
        + "新客户甲,物流,西南\n",
        encoding="utf-8",
    )
    done = crm_cli("import", "customers", str(sheet), "--on-duplicate", "update")
    assert done.exit_code == 0, done.stderr
    with world.engine.connect() as connection:
        assert set(_differences(connection, world).values()) == {0}
        moved = connection.scalar(
            select(func.sum(table_of(CustomersByIndustry).c.customers)).where(
                table_of(CustomersByIndustry).c.industry == "物流"
            )
        )
    assert moved == 4
