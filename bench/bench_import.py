"""Import benchmark: N generated customers from .csv (and .xlsx) into SQLite or PostgreSQL, beside
the naive ORM path (one `customers.create` per row) measured in the same run.

    python bench/bench_import.py                       # 100,000 rows, SQLite
    python bench/bench_import.py --rows 1000000        # a million
    python bench/bench_import.py --postgres            # a throwaway PostgreSQL server
    python bench/bench_import.py --xlsx-rows 200000    # also time an .xlsx of that many rows
    python bench/bench_import.py --floor               # also the database's share alone

Each import runs in a child process so its peak memory (max RSS) is its own. `--floor` writes
the same number of prebuilt rows (no file, no validation, no duplicate lookups) straight into
the four tables an imported customer fills: the least any import into this schema can take.

Prints one line per figure; docs/benchmarks.md records them with the machine and the date.
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
    from crm_core.foundation.spreadsheets import RowWriter

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
    from crm_core.features.imports import service as importing
    from crm_core.kernel.deployment import Deployment
    from crm_core.kernel.plugins import PluginCatalog
    from crm_core.services import customers

    deployment = Deployment(url, PluginCatalog(entry_point_list=[]))
    start = time.perf_counter()
    if naive:
        from crm_core.foundation.spreadsheets.reading import open_table

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


#: The four tables an imported customer (with a contact) fills, and each one's row.
FLOOR_TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "crm_customer",
        (
            "id", "name", "name_key", "kind", "level", "industry", "region", "phone",
            "phone_key", "created_by_id", "created_at", "updated_at", "owner_id",
        ),
    ),
    ("crm_customer_ownership", ("id", "customer_id", "owner_id", "started_at", "reason")),
    ("crm_contact", ("id", "name", "phone", "created_at", "customer_id")),
    ("crm_audit", ("id", "at", "actor_id", "action", "entity", "entity_id", "new_value")),
)  # fmt: skip


def floor_rows(table: str, ids: range, now: object) -> list[tuple[object, ...]]:
    """Prebuilt rows shaped like an imported customer's (the ids follow the admin's rows)."""
    if table == "crm_customer":
        return [
            (i, f"杭州华远{i:07d}有限公司", f"杭州华远{i:07d}", "customer", "lead",
             INDUSTRIES[i % 10], REGIONS[i % 7], f"13{i:09d}", f"13{i:09d}", 1, now, now, 1)
            for i in ids
        ]  # fmt: skip
    if table == "crm_customer_ownership":
        return [(i, i, 1, now, "import") for i in ids]
    if table == "crm_contact":
        return [(i, f"联系人{i % 997}", f"13{i:09d}", now, i) for i in ids]
    return [
        (i + 1_000, now, 1, "import", "crm_customer", str(i), '{"name": "x", "owner_id": 1}')
        for i in ids
    ]


def floor_child(url: str, rows: int) -> None:
    """Runs in a subprocess: prebuilt rows into the four tables, one transaction; triggers on
    them dropped first (a fresh database), so this is a lower bound. SQLite: executemany in
    batches of 5,000; PostgreSQL: COPY. Prints JSON with the seconds per table."""
    from datetime import UTC, datetime

    from crm_core.kernel.deployment import Deployment
    from crm_core.kernel.plugins import PluginCatalog

    deployment = Deployment(url, PluginCatalog(entry_point_list=[]))
    now = datetime.now(UTC)
    spent: dict[str, float] = {}
    with deployment.engine.begin() as connection:
        raw = connection.connection.driver_connection
        sqlite = deployment.engine.dialect.name == "sqlite"
        names = [table for table, _columns in FLOOR_TABLES]
        if sqlite:
            stamp: object = now.strftime("%Y-%m-%d %H:%M:%S.%f")
            found = raw.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
                f"({','.join('?' * len(names))})",
                names,
            ).fetchall()
            for (trigger,) in found:
                raw.execute(f"DROP TRIGGER {trigger}")
        else:
            stamp = now
            found = raw.execute(
                "SELECT DISTINCT trigger_name, event_object_table FROM information_schema.triggers"
                " WHERE event_object_table = ANY(%s)",
                (names,),
            ).fetchall()
            for trigger, table in found:
                raw.execute(f'DROP TRIGGER "{trigger}" ON {table}')
        for table, columns in FLOOR_TABLES:
            spent[table] = 0.0
            for start in range(1, rows + 1, 5_000):
                batch = floor_rows(table, range(start, min(rows, start + 4_999) + 1), stamp)
                began = time.perf_counter()
                if sqlite:
                    marks = ", ".join("?" * len(columns))
                    raw.executemany(
                        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", batch
                    )
                else:
                    with raw.cursor().copy(
                        f"COPY {table} ({', '.join(columns)}) FROM STDIN"
                    ) as copy:
                        for row in batch:
                            copy.write_row(row)
                spent[table] += time.perf_counter() - began
    print(json.dumps({"rows": rows, "tables": spent}))


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


def floor(url: str, rows: int) -> None:
    done = subprocess.run(
        [sys.executable, __file__, "--floor-child", url, str(rows)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(done.stderr)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    tables = figures["tables"]
    total = sum(tables.values())
    each = ", ".join(f"{table} {seconds:.1f}" for table, seconds in tables.items())
    print(
        f"{'floor: prebuilt rows, four tables':<44} {rows:>10,} rows {total:8.1f} s "
        f"{rows / total:>10,.0f} rows/s  ({each})",
        flush=True,
    )


def fresh_database(args: argparse.Namespace, scratch: Path, name: str, server: object) -> str:
    from crm_core.kernel import lifecycle
    from crm_core.kernel.deployment import Deployment
    from crm_core.kernel.plugins import PluginCatalog

    if server is not None:
        url = server.create_database(name)  # type: ignore[attr-defined]
    else:
        url = f"sqlite:///{scratch / (name + '.db')}"
    deployment = Deployment(url, PluginCatalog(entry_point_list=[]))
    lifecycle.initialise(deployment)
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
    if len(sys.argv) > 1 and sys.argv[1] == "--floor-child":
        floor_child(sys.argv[2], int(sys.argv[3]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--xlsx-rows", type=int, default=0)
    parser.add_argument(
        "--naive-rows", type=int, default=5_000, help="rows for the ORM baseline (0: skip it)"
    )
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument(
        "--floor", action="store_true", help="also the database's share alone (prebuilt rows)"
    )
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="crm-bench-import-"))
    server = None
    if args.postgres:
        from crm_core.contract.testing import PostgresServer, _pg_bindir

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
        if args.floor:
            floor(fresh_database(args, scratch, "floor", server), args.rows)
    finally:
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
