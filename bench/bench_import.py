"""Import benchmark: N generated customers from .csv (and .xlsx) into SQLite or PostgreSQL, beside
the naive ORM path (one `customers.create` per row) measured in the same run.

    python bench/bench_import.py                       # 100,000 rows, SQLite
    python bench/bench_import.py --rows 1000000        # a million
    python bench/bench_import.py --postgres            # a throwaway PostgreSQL server
    python bench/bench_import.py --xlsx-rows 200000    # also time an .xlsx of that many rows

Each import runs in a child process so its peak memory (max RSS) is its own. Prints one line per
figure; docs/benchmarks.md records them with the machine and the date.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

INDUSTRIES = ("制造业", "软件", "批发零售", "医疗", "教育", "物流", "建筑", "能源", "金融", "餐饮")
REGIONS = ("华东", "华南", "华北", "华中", "西南", "西北", "东北")
CITIES = (
    "杭州",
    "苏州",
    "宁波",
    "南京",
    "合肥",
    "广州",
    "深圳",
    "成都",
    "武汉",
    "西安",
    "青岛",
    "厦门",
)
WORDS = "华远明新恒泰瑞丰鼎盛鑫源宏达博创天成海通金辉永安中科联信云帆智达正和东方"
SUFFIXES = ("有限公司", "有限责任公司", "股份有限公司", "科技有限公司", "贸易有限公司")


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """Deterministic fictional customers: unique names and phones, Chinese headers."""
    from crm_core.spreadsheets import RowWriter

    rng = random.Random(seed)
    with RowWriter(path, ["客户名称", "行业", "地区", "电话", "联系人", "备注"]) as writer:
        for i in range(rows):
            word = "".join(rng.choice(WORDS) for _ in range(2))
            name = f"{rng.choice(CITIES)}{word}{i:07d}{rng.choice(SUFFIXES)}"
            phone = f"1{rng.choice('3456789')}{i:09d}"
            writer.append(
                [name, rng.choice(INDUSTRIES), rng.choice(REGIONS), phone, f"联系人{i % 997}", ""]
            )


def child(url: str, path: str, naive: int) -> None:
    """Runs in a subprocess: one import (or the naive baseline), prints JSON."""
    from crm_core.deployment import Deployment
    from crm_core.plugins import PluginCatalog
    from crm_core.services import customers, importing

    deployment = Deployment(url, PluginCatalog(entry_point_list=[]))
    start = time.perf_counter()
    if naive:
        from crm_core.spreadsheets.reading import open_table

        table = open_table(Path(path))
        with deployment.work("admin", write=True) as ctx:
            for _n, (_row, cells) in zip(range(naive), table.rows, strict=False):
                name, industry, region, phone = cells[:4]
                customers.create(
                    ctx, {"name": name, "industry": industry, "region": region, "phone": phone}
                )
        rows = naive
    else:
        result = importing.run_import(
            lambda: deployment.work("admin", write=True),
            "customers",
            Path(path),
            importing.ImportOptions(),
        )
        rows = result.inserted
        assert result.rejected == 0, result
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_mb": peak}))


def measure(url: str, path: Path, naive: int = 0) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", url, str(path), str(naive)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def fresh_database(args: argparse.Namespace, scratch: Path, name: str, server: object) -> str:
    from crm_core.deployment import Deployment
    from crm_core.plugins import PluginCatalog
    from crm_core.services import rollout

    if server is not None:
        url = server.create_database(name)  # type: ignore[attr-defined]
    else:
        url = f"sqlite:///{scratch / (name + '.db')}"
    deployment = Deployment(url, PluginCatalog(entry_point_list=[]))
    rollout.initialise(deployment)
    deployment.dispose()
    return url


def line(label: str, figures: dict[str, float], baseline: float | None = None) -> None:
    rate = figures["rows"] / figures["seconds"]
    ratio = f"  {rate / baseline:,.0f}x the naive ORM path" if baseline else ""
    print(
        f"{label:<44} {figures['rows']:>10,} rows {figures['seconds']:8.1f} s "
        f"{rate:>10,.0f} rows/s  peak {figures['peak_mb']:,.0f} MB{ratio}",
        flush=True,
    )


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--xlsx-rows", type=int, default=0)
    parser.add_argument(
        "--naive-rows", type=int, default=5_000, help="rows for the ORM baseline (0: skip it)"
    )
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="crm-bench-import-"))
    server = None
    if args.postgres:
        from crm_core.testing import PostgresServer, _pg_bindir

        bindir = _pg_bindir()
        if bindir is None:
            sys.exit("PostgreSQL binaries not found")
        server = PostgresServer(bindir)
        server.start()
    try:
        engine = "postgresql 15" if server else "sqlite"
        print(
            f"# {platform.node()} {platform.machine()} {os.cpu_count()} cpus, Python "
            f"{platform.python_version()}, {engine}"
        )
        csv_path = scratch / "customers.csv"
        start = time.perf_counter()
        generate(csv_path, args.rows)
        print(
            f"generated {csv_path.name}: {args.rows:,} rows in {time.perf_counter() - start:.1f} s"
        )
        baseline = None  # --naive-rows 0: no baseline, no ratio
        if args.naive_rows > 0:
            db = fresh_database(args, scratch, "naive", server)
            naive = measure(db, csv_path, args.naive_rows)
            baseline = naive["rows"] / naive["seconds"]
            line("naive ORM, one customers.create per row", naive)
        line(
            "crm import customers FILE.csv",
            measure(fresh_database(args, scratch, "csv", server), csv_path),
            baseline,
        )
        if args.xlsx_rows:
            xlsx_path = scratch / "customers.xlsx"
            generate(xlsx_path, args.xlsx_rows)
            line(
                "crm import customers FILE.xlsx",
                measure(fresh_database(args, scratch, "xlsx", server), xlsx_path),
                baseline,
            )
    finally:
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
