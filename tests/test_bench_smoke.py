"""CI's smoke run of the benchmarks: `bench/run_all.py --smoke` at 20,000 customers on SQLite and
PostgreSQL. It checks that every script still runs and prints every figure; it asserts no time
(figures come from full runs, recorded in docs/benchmarks.md)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import needs_the_three_blocks

pytestmark = needs_the_three_blocks

ROOT = Path(__file__).resolve().parent.parent
FIGURES = (
    "generated the world of 20,000 in",
    "customer page of 50 at any depth, top manager: p95",
    "name prefix search (6 characters), first 50: p95",
    "phone prefix search (7 characters), first 50: p95",
    "count visible customers, capped at 10,000, top manager",
    "report orders: month x salesperson x industry (top manager)",
    "report payments: month (top manager)",
    "report interactions: day x salesperson (top manager)",
    "dashboard page (top manager)",
    "transfer a leaver's book of 1,000 customers with their records",
    "import 20,000 customers from .csv",
    "import 4,000 customers from .xlsx",
    "fuzzy duplicate scan of 20,000 customers",
)


@pytest.mark.crm_bench
def test_every_benchmark_runs_at_a_small_size(crm_postgres: object) -> None:
    if crm_postgres is None:
        pytest.skip("PostgreSQL server not available")
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run_all.py"), "--customers", "20000", "--smoke"],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for backend in ("sqlite", "postgresql"):
        for figure in FIGURES:
            assert f"[{backend}] {figure}" in done.stdout, (backend, figure)
    assert "[sqlite] hook call with 3 implementation(s)" in done.stdout
    assert "<!-- bench:begin -->" in done.stdout  # the table it would write


@pytest.mark.crm_bench
def test_the_page_benchmark_runs_on_a_small_world(tmp_path: Path) -> None:
    """bench/bench_pages.py on a world of 2,000 customers: a figure for the page and for every
    job on it (A/B mode is the same measurement in two processes); bench/bench_exports.py a
    figure for each entity's count and exports; bench/bench_server.py a figure per request kind
    from a real `crm serve`, and no answer that is not 2xx."""
    url = f"sqlite:///{tmp_path / 'world.db'}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def script(name: str, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, str(ROOT / "bench" / name), "--db", url, *args],
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    made = script("world.py", "--customers", "2000")
    assert "customer profiles (last contact, grade)" in made
    with sqlite3.connect(tmp_path / "world.db") as db:
        customers, profiles, contacted, graded, signed = db.execute(
            "SELECT (SELECT count(*) FROM crm_customer), count(*),"
            " sum(p.last_contact_at IS NOT NULL), sum(p.grade IS NOT NULL),"
            " sum(c.level = 'signed')"
            " FROM cr_customer_profile p JOIN crm_customer c ON c.id = p.customer_id"
        ).fetchone()
        later = db.execute(
            "SELECT count(*) FROM cr_customer_profile p WHERE p.last_interaction_at <"
            " (SELECT max(occurred_at) FROM crm_interaction i WHERE i.customer_id = p.customer_id)"
        ).fetchone()[0]
        unpaid = db.execute(
            "SELECT count(*) FROM cr_installment i WHERE i.paid > 0 AND NOT EXISTS"
            " (SELECT 1 FROM cr_payment p WHERE p.order_id = i.order_id)"
        ).fetchone()[0]
        received = db.execute(
            "SELECT (SELECT sum(amount) FROM cr_payment) = (SELECT sum(paid) FROM cr_installment)"
        ).fetchone()[0]
    assert customers == profiles == contacted and graded == signed > 0 and later == 0
    assert unpaid == 0 and received == 1
    printed = script("bench_pages.py", "--as", "zhou", "--loads", "1", "--tiles")
    assert "dashboard page (zhou): min " in printed
    for job in ("reminders", "receivables-ageing", "pipeline", "credit-exposure"):
        assert f"  {job} (zhou): min " in printed, job
    exported = script("bench_exports.py", "--as", "zhou", "--csv")
    for entity in ("customers", "contacts", "interactions"):
        assert f"count {entity} for .xlsx (zhou): " in exported, entity
        assert f"export {entity} to .csv (zhou): " in exported, entity
    assert "export interactions to .xlsx (zhou): " in exported
    served = script("bench_server.py", "--clients", "1", "--clients", "3", "--seconds", "2")
    for clients in ("1 client(s)", "3 client(s)"):
        assert f"{clients}, 1 worker(s): " in served, served
    for kind in ("list", "prefix", "360", "log"):
        assert served.count(f"  {kind:<6} n=") == 2, (kind, served)
    assert "not 2xx" not in served
