"""Report and dashboard benchmarks: ad-hoc groupings over many interactions and orders, per role,
and the dashboard page of each role, on a deployment of generated data.

    python bench/bench_reports.py                                   # SQLite, 1M interactions
    python bench/bench_reports.py --interactions 10000000 --orders 1000000
    python bench/bench_reports.py --postgres                        # a throwaway PostgreSQL

Generation uses crm_core.kernel.bulk (COPY on PostgreSQL). Prints one line per figure; copy them into
docs/benchmarks.md with the machine and the date. No figure here is asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from random import Random

from bench_core import report, timed
from sqlalchemy import func, select
from throwaway import database

from crm_core.features import demo_data as demo
from crm_core.features.reports import dashboard
from crm_core.features.reports import engine as reports
from crm_core.foundation.schema import table_of
from crm_core.foundation.types import utcnow
from crm_core.kernel import lifecycle
from crm_core.kernel.bulk import insert_rows
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import Customer, Interaction, User
from crm_core.kernel.plugins import PluginCatalog

CHUNK = 200_000
ROLES = (("admin", "admin"), ("zhou", "top manager"), ("sun", "team lead"), ("li", "salesperson"))


def generate(deployment: Deployment, customers: int, interactions: int, orders: int) -> None:
    from crm_customer_resources.models import Order

    rng = Random(2026)
    with deployment.work("admin", write=True) as ctx:
        seconds, counts = timed(lambda: demo.seed(ctx, scale=max(1, customers // 60)))
    report("generate customers (demo.seed, Core bulk)", seconds, f"{counts['customers']:,}")
    with deployment.work("admin") as ctx:
        owners = dict(ctx.session.execute(select(Customer.id, Customer.owner_id)).all())
        sellers = list(ctx.session.scalars(select(User.id).where(User.role == "sales")))
    ids = list(owners)
    now = utcnow()
    remaining = interactions - counts["interactions"]
    done = 0
    seconds_total = 0.0
    while done < remaining:
        size = min(CHUNK, remaining - done)
        rows = []
        for _ in range(size):
            cid = rng.choice(ids)
            at = now - timedelta(minutes=rng.randint(1, 730 * 24 * 60))
            rows.append(
                {
                    "customer_id": cid,
                    "contact_id": None,
                    "user_id": owners[cid] or rng.choice(sellers),
                    "kind": rng.choice(("visit", "call", "email", "meeting")),
                    "occurred_at": at,
                    "notes": None,
                    "next_contact_on": None,
                    "created_at": at,
                }
            )
        with deployment.work("admin", write=True) as ctx:
            seconds, _ = timed(
                lambda rows=rows: insert_rows(ctx.session, table_of(Interaction), rows)
            )
        seconds_total += seconds
        done += size
    if remaining > 0:
        report("generate interactions (bulk)", seconds_total, f"{remaining:,} rows")
    today = date.today()
    done, seconds_total = 0, 0.0
    while done < orders:
        size = min(CHUNK, orders - done)
        rows = []
        for n in range(done, done + size):
            cid = rng.choice(ids)
            rows.append(
                {
                    "customer_id": cid,
                    "number": f"B{n:09d}",
                    "owner_id": owners[cid],
                    "ordered_on": today - timedelta(days=rng.randint(0, 730)),
                    "status": rng.choice(("open", "closed", "closed", "cancelled")),
                    "total": Decimal(rng.randint(100, 500_000)) / 100,
                    "notes": None,
                    "created_at": now,
                }
            )
        with deployment.work("admin", write=True) as ctx:
            seconds, _ = timed(lambda rows=rows: insert_rows(ctx.session, table_of(Order), rows))
        seconds_total += seconds
        done += size
    if orders:
        report("generate orders (bulk)", seconds_total, f"{orders:,} rows")
    with deployment.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")  # fresh planner statistics, as after any bulk load


def measure(deployment: Deployment) -> None:
    today = date.today()
    cases = [
        ("interactions-per-day", {}, "interactions per day x salesperson, all time"),
        ("interactions-per-day", {"since": (today - timedelta(days=30)).isoformat()}, "... last 30 days"),
        ("new-customers-by-month", {}, "new customers per month x level"),
        ("customers-by-segment", {"by": "region"}, "customers by region"),
        ("sales", {"by": "month"}, "orders per month"),
        ("sales", {"by": "region"}, "orders per region"),
        ("sales", {"by": "salesperson"}, "orders per salesperson"),
    ]  # fmt: skip
    with deployment.work("admin") as ctx:
        counted = ctx.session.scalar(select(func.count()).select_from(Interaction))
    print(f"# {counted:,} interactions")
    for login, role in ROLES:
        with deployment.work(login) as ctx:
            for name, params, label in cases:
                seconds, table = timed(lambda n=name, p=params: reports.run(ctx, n, p), repeat=3)
                report(f"{label} ({role})", seconds, f"{len(table.rows):,} rows")
            seconds, page = timed(lambda: dashboard.html(ctx, ctx.today()), repeat=3)
            report(f"dashboard page ({role})", seconds, f"{len(page) // 1024:,} KiB")


def _has_data(deployment: Deployment) -> bool:
    if not deployment.exists():
        return False
    with deployment.work("admin") as ctx:
        return bool(ctx.session.scalar(select(func.count()).select_from(Customer)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--postgres", action="store_true", help="start a throwaway PostgreSQL")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the data already in --db, if there is any"
    )
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="crm-bench-"))
    url, server = database(args.postgres, "bench", scratch, args.db)
    deployment = Deployment(url, PluginCatalog())
    try:
        print(
            f"# {platform.node()} {platform.machine()} {os.cpu_count()} cpus, Python "
            f"{platform.python_version()}, {deployment.engine.dialect.name}"
        )
        if args.reuse and _has_data(deployment):
            print("# reusing the generated data already in --db")
        else:
            lifecycle.initialise(deployment)
            lifecycle.enable(deployment, deployment.resolve_actor("admin"), ["customer_resources"])
            generate(deployment, args.customers, args.interactions, args.orders)
        measure(deployment)
    finally:
        deployment.dispose()
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
