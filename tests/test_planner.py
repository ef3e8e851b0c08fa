"""Planner hints: `owned_by` lets SQLite walk a due-day index for people with many customers and
keeps the owner index for people with few; the rows are the same either way."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import event, select, text

from crm_core.features import reminders
from crm_core.features.reports import dashboard
from crm_core.features.reports import engine as reports
from crm_core.foundation.schema import table_of
from crm_core.foundation.types import utcnow
from crm_core.hooks.context import Context
from crm_core.kernel.bulk import insert_rows
from crm_core.kernel.models import Customer, User
from crm_core.kernel.planner import (
    BATCH,
    INLINE_IDS_FROM,
    among,
    id_batches,
    owned_by,
    without_parallel_workers,
)
from tests.conftest import Org


def _give(org: Org, login: str, count: int) -> int:
    with org.work("admin", write=True) as ctx:
        owner = ctx.session.scalars(select(User.id).where(User.login == login)).one()
        now = utcnow()
        insert_rows(
            ctx.session,
            table_of(Customer),
            [
                {
                    "name": f"{login} 客户{n}",
                    "name_key": f"{login} 客户{n}",
                    "kind": "customer",
                    "level": "lead",
                    "owner_id": owner,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(count)
            ],
        )
    return owner


def test_owned_by_walks_the_due_index_only_for_people_with_many_customers(org: Org) -> None:
    many = _give(org, "sh_sales1", 60)
    few = _give(org, "sh_sales2", 3)
    _give(org, "south_sales", 300)
    with org.work("boss") as ctx:
        sqlite = ctx.session.get_bind().dialect.name == "sqlite"
        everyone = ctx.session.scalar(select(Customer.id).order_by(Customer.id.desc()).limit(1))
        assert everyone is not None and 360 <= everyone < 400  # crossover: sqrt(10 x ~370) = 60
        texts = {}
        for name, owners in {"many": [many], "few": [few], "both": [many, few]}.items():
            criterion = owned_by(ctx.session, Customer.owner_id, owners, 10)
            query = select(Customer.id).where(criterion).order_by(Customer.id)
            texts[name] = str(query.compile(ctx.session.get_bind()))
            plain = select(Customer.id).where(Customer.owner_id.in_(owners)).order_by(Customer.id)
            assert ctx.session.scalars(query).all() == ctx.session.scalars(plain).all()
        walks = {name for name, sql in texts.items() if "+crm_customer.owner_id" in sql}
        assert walks == ({"many", "both"} if sqlite else set())
        unlimited = owned_by(ctx.session, Customer.owner_id, [many], None)
        assert "+" not in str(select(Customer.id).where(unlimited).compile(ctx.session.get_bind()))


def test_among_names_a_team_without_a_parameter_per_person(org: Org) -> None:
    """PostgreSQL: one array parameter; SQLite: from INLINE_IDS_FROM whole numbers, the numbers
    written into the statement (strings stay parameters); the rows are those of a plain IN."""
    owner = _give(org, "sh_sales1", 5)
    with org.work("boss") as ctx:
        bind = ctx.session.get_bind()
        team = [owner, *range(100_000, 102_000)]  # a team of 2,000 (most own nothing)
        for ids in (team, [owner], []):
            query = select(Customer.id).where(among(ctx.session, Customer.owner_id, ids))
            plain = select(Customer.id).where(Customer.owner_id.in_(ids))
            found = sorted(ctx.session.scalars(query))
            assert found == sorted(ctx.session.scalars(plain))
            assert len(found) == (6 if ids else 0)  # the five given and the one of the org
        # text keys (duplicate lookups), as many as inlined numbers, one with a quote
        keys = [
            "sh_sales1 客户1",
            "sh_sales1 客户3",
            *(f"没有'{n}" for n in range(INLINE_IDS_FROM)),
        ]
        named = select(Customer.name_key).where(among(ctx.session, Customer.name_key, keys))
        assert sorted(ctx.session.scalars(named)) == keys[:2]
        compiled = select(Customer.id).where(among(ctx.session, Customer.owner_id, team))
        expanded = {"render_postcompile": True}
        text = str(compiled.compile(bind, compile_kwargs=expanded))
        named_text = str(named.compile(bind, compile_kwargs=expanded))
        if bind.dialect.name == "postgresql":
            assert "ANY" in text and text.count("%(") == 1
            # whole numbers go as the array's text (nothing to quote), text keys as a list
            (listed,) = compiled.compile(bind).params.values()
            assert listed == "{" + ",".join(map(str, team)) + "}"
            (listed_keys,) = named.compile(bind).params.values()
            assert listed_keys == keys
            # ... read by the server as the array itself, a constant hashed once per statement
            # (sent as text and then cast, the cast ran again for every row it filtered)
            compiled_sql = compiled.compile(bind)
            plan = "\n".join(
                ctx.session.connection()
                .exec_driver_sql("EXPLAIN VERBOSE " + str(compiled_sql), compiled_sql.params)
                .scalars()
            )
            assert f",{team[-1]}}}'::integer[]" in plan
            assert "cstring" not in plan and "character varying" not in plan
        else:
            assert "ANY" not in text and "?" not in text and f",{team[-1]})" in text
            assert named_text.count("?") == len(keys)
            short = select(Customer.id).where(among(ctx.session, Customer.owner_id, team[:99]))
            assert str(short.compile(bind, compile_kwargs=expanded)).count("?") == 99


def test_id_batches_are_one_array_on_postgresql_and_bounded_lists_on_sqlite(org: Org) -> None:
    with org.work("admin") as ctx:
        sizes = [len(b) for b in id_batches(ctx.session, list(range(1200)))]
        if ctx.session.get_bind().dialect.name == "postgresql":
            assert sizes == [1200]
        else:
            assert sizes == [BATCH, BATCH, 1200 - 2 * BATCH]
        assert list(id_batches(ctx.session, [])) == []


def _parallel_workers(ctx: Context) -> str | None:
    return ctx.session.scalar(text("SHOW max_parallel_workers_per_gather"))


def test_dashboard_reads_run_without_parallel_workers_on_postgresql(org: Org) -> None:
    """Each unit of a page plans without parallel workers (one at a time or several), and so
    does a reminder list read anywhere; the setting ends with its transaction."""
    with org.work("boss") as ctx:
        if ctx.session.get_bind().dialect.name != "postgresql":
            without_parallel_workers(ctx.session)  # a no-op elsewhere
            return
        default = _parallel_workers(ctx)
        assert default != "0"
        jobs = [_parallel_workers, _parallel_workers]
        assert dashboard._in_parallel(ctx, jobs, workers=2) == ["0", "0"]
        assert _parallel_workers(ctx) == default  # the caller's unit is untouched
        assert dashboard._in_parallel(ctx, jobs, workers=1) == ["0", "0"]
    with org.work("boss") as ctx:
        assert _parallel_workers(ctx) == default
        reminders.collect(ctx, ctx.today())  # `crm reminders` and the digest: the same reads
        assert _parallel_workers(ctx) == "0"
        sent: list[str] = []
        engine = ctx.session.get_bind()
        listen = (engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
        event.listen(*listen)
        try:  # asked for again in the same transaction: not sent again
            without_parallel_workers(ctx.session)
            reminders.collect(ctx, ctx.today())
        finally:
            event.remove(*listen)
        assert not [s for s in sent if s.startswith("SET LOCAL")]
    with org.work("boss") as ctx:  # a new transaction sends it again
        without_parallel_workers(ctx.session)
        assert _parallel_workers(ctx) == "0"


def test_a_page_reads_its_jobs_in_one_unit_per_worker(org: Org) -> None:
    """Workers take the jobs in order until none is left, each in one read-only unit of its
    own (not one per job: each unit reads the settings and the rollups' state again); the
    results come back in the jobs' order, and a job that fails fails the page."""
    with org.work("boss") as ctx:
        units: list[int] = []

        def job(value: int) -> Callable[[Context], int]:
            def run(own: Context) -> int:
                assert own.actor == ctx.actor
                units.append(id(own.session))
                return value

            return run

        jobs = [job(n) for n in range(7)]
        assert dashboard._in_parallel(ctx, jobs, workers=2) == list(range(7))
        assert len(units) == 7 and 1 <= len(set(units)) <= 2 and id(ctx.session) not in units
        units.clear()
        assert dashboard._in_parallel(ctx, jobs, workers=1) == list(range(7))
        assert set(units) == {id(ctx.session)}

        def broken(own: Context) -> int:
            raise ValueError("a tile failed")

        with pytest.raises(ValueError, match="a tile failed"):
            dashboard._in_parallel(ctx, [job(0), broken, job(2)], workers=2)


def _parallel_tuple_cost(ctx: Context) -> str | None:
    return ctx.session.scalar(text("SHOW parallel_tuple_cost"))


def test_a_report_run_alone_favours_parallel_plans_on_postgresql(org: Org) -> None:
    """`crm report run` (reports.run) prices rows from parallel workers low for the rest of its
    transaction; a dashboard's tiles leave the default."""
    with org.work("boss") as ctx:
        postgresql = ctx.session.get_bind().dialect.name == "postgresql"
        default = _parallel_tuple_cost(ctx) if postgresql else None
        dashboard.tiles(ctx, ctx.today(), workers=1)
        assert not postgresql or _parallel_tuple_cost(ctx) == default != "0.01"
        table = reports.run(ctx, "customers-by-segment", {"by": "level"})
        assert table.rows
        assert not postgresql or _parallel_tuple_cost(ctx) == "0.01"
    if postgresql:
        with org.work("boss") as ctx:
            assert _parallel_tuple_cost(ctx) == default


def test_postgresql_connections_compile_no_statement_just_in_time(org: Org) -> None:
    """Every connection the engine opens, a page's workers' too, plans without JIT compilation
    (decision 0028); the setting outlives the connection's transactions."""
    with org.work("boss") as ctx:
        if ctx.session.get_bind().dialect.name != "postgresql":
            return
        assert ctx.session.scalar(text("SHOW jit")) == "off"
        shown = [lambda own: own.session.scalar(text("SHOW jit"))] * 2
        assert dashboard._in_parallel(ctx, shown, workers=2) == ["off", "off"]
    org.deployment.engine.dispose()  # a connection opened afresh
    for _ in range(2):
        with org.work("boss") as ctx:
            assert ctx.session.scalar(text("SHOW jit")) == "off"
