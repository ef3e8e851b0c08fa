"""Core benchmarks: bulk load, keyset pages, visibility-filtered counts, reports, import, export,
duplicate check, and a leaver's transfer, on a deployment of N generated customers.

    python bench/bench_core.py                      # SQLite, 100,000 customers
    python bench/bench_core.py --rows 1000000       # a million
    python bench/bench_core.py --postgres           # a throwaway PostgreSQL server (Debian binaries)
    python bench/bench_core.py --db postgresql://...

Prints one line per figure; copy them into docs/benchmarks.md with the machine and the date.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import func, select
from throwaway import database

from crm_core.features import demo_data as demo
from crm_core.features.imports import service as importing
from crm_core.features.reports import engine as reports
from crm_core.kernel import lifecycle
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import Customer, Interaction, User
from crm_core.kernel.plugins import PluginCatalog
from crm_core.services import customers, transfer


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Median seconds over `repeat` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def report(label: str, seconds: float, detail: str = "") -> None:
    shown = f"{seconds * 1000:9.1f} ms" if seconds < 10 else f"{seconds:9.1f} s "
    print(f"{label:<58} {shown}  {detail}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000, help="customers to generate")
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument(
        "--postgres", action="store_true", help="start a throwaway PostgreSQL server"
    )
    parser.add_argument("--import-rows", type=int, default=10_000)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="crm-bench-"))
    url, server = database(args.postgres, "bench", scratch, args.db)
    deployment = Deployment(url, PluginCatalog(entry_point_list=[]))
    try:
        print(
            f"# {platform.node()} {platform.machine()} {os.cpu_count()} cpus, Python "
            f"{platform.python_version()}, {deployment.engine.dialect.name}, {args.rows:,} customers"
        )
        lifecycle.initialise(deployment)
        scale = max(1, args.rows // 60)
        with deployment.work("admin", write=True) as ctx:
            seconds, counts = timed(lambda: demo.seed(ctx, scale=scale))
        total_rows = sum(counts.values())
        report(
            "generate customers+contacts+interactions (Core bulk)",
            seconds,
            f"{total_rows:,} rows, {total_rows / seconds:,.0f} rows/s",
        )
        run(deployment, args, scratch)
    finally:
        deployment.dispose()
        if server is not None:
            server.stop()
    return 0


def run(deployment: Deployment, args: argparse.Namespace, scratch: Path) -> None:
    everything = customers.CustomerFilter()
    with deployment.work("admin") as ctx:
        max_id = ctx.session.scalar(select(func.max(Customer.id))) or 0
    for login, role in (("li", "sales"), ("sun", "team lead"), ("zhou", "top manager")):
        with deployment.work(login) as ctx:
            first, _page = timed(lambda: customers.list_page(ctx, everything, limit=50), repeat=20)
            deep, _ = timed(
                lambda: customers.list_page(ctx, everything, after_id=max_id // 2, limit=50), 20
            )
            count_s, count = timed(
                lambda: ctx.session.scalar(select(func.count()).select_from(Customer)), repeat=5
            )
        report(f"list page of 50, first / middle ({role})", first, f"middle {deep * 1000:.1f} ms")
        report(f"count visible customers ({role})", count_s, f"{count:,} visible")
    with deployment.work("zhou") as ctx:
        seconds, table = timed(lambda: reports.run(ctx, "customers-by-segment", {"by": "owner"}), 3)
        report(
            "report customers-by-segment by owner (top manager)", seconds, f"{len(table.rows)} rows"
        )
        seconds, table = timed(lambda: reports.run(ctx, "interactions-per-day", {}), 3)
        interactions = ctx.session.scalar(select(func.count()).select_from(Interaction))
        report(
            "report interactions-per-day (top manager)",
            seconds,
            f"over {interactions:,} interactions",
        )
        seconds, _ = timed(
            lambda: customers.list_page(
                ctx, customers.CustomerFilter(name_contains="华远"), limit=50
            ),
            repeat=5,
        )
        report("search by part of name, first 50 (top manager)", seconds)
    with deployment.work("li", write=True) as ctx:
        seconds, _ = timed(
            lambda: customers.create(
                ctx, {"name": "基准测试新客户有限公司", "phone": "13011112222"}
            )
        )
        report("register one customer (duplicate checks by name and phone)", seconds)

    path = scratch / "import.xlsx"
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["客户名称", "类型", "行业", "地区", "电话", "负责人"])
    for i in range(args.import_rows):
        sheet.append(
            [f"导入基准客户{i:07d}有限公司", "客户", "制造业", "华东", f"199{i:08d}", "li"]
        )
    book.save(path)
    with deployment.work("admin", write=True) as ctx:
        seconds, result = timed(lambda: importing.import_file(ctx, "customers", path))
    report(
        f"import {args.import_rows:,} customers from .xlsx (all checks)",
        seconds,
        f"{result.written / seconds:,.0f} rows/s",
    )
    with deployment.work("li") as ctx:
        out = scratch / "export.xlsx"
        seconds, written = timed(lambda: importing.export_file(ctx, "customers", out))
    report(
        "export a salesperson's customers to .xlsx",
        seconds,
        f"{written:,} rows, {written / seconds:,.0f} rows/s",
    )
    with deployment.work("admin") as ctx:
        held = ctx.session.scalar(
            select(func.count())
            .select_from(Customer)
            .join(User, User.id == Customer.owner_id)
            .where(User.login == "wang")
        )
    with deployment.work("admin", write=True) as ctx:
        seconds, result = timed(lambda: transfer.transfer_all(ctx, "wang", "li", "bench"))
    report(
        "transfer everything a leaver holds (one transaction)",
        seconds,
        f"{held:,} customers, {result.moved.get('contacts', 0):,} contacts",
    )


if __name__ == "__main__":
    sys.exit(main())
