"""Every registered report with every choice of its `by` parameter, over all of the data (its
parameters' defaults), as one person, on an existing deployment (a world from bench/world.py):
the ad-hoc groupings nobody wrote a benchmark for. Prints one line per report and grouping,
the slowest marked against issue 7's targets (2 s on SQLite, 1 s on PostgreSQL).

    python bench/bench_every_report.py --db sqlite:///world.db --as zhou
    python bench/bench_every_report.py --db postgresql+psycopg://... --as zhou --repeat 3 \\
        --skip interactions-per-day:salesperson,salesperson-activity:day

`--first N` runs each as a table on screen does (`crm report run` asks for its first 1,000
rows): the figure is then what a person waits for, not an export.

Each figure is the median of `--repeat` runs, each in a unit of work of its own. Reports that
need a parameter without a default (a plan's period) are listed as skipped with the reason.
Copy the lines into docs/benchmarks.md with the machine and the date.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from crm_core.features.reports import engine as reports
from crm_core.foundation.errors import CrmError
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.plugins import PluginCatalog

TARGET_MS = {"sqlite": 2000, "postgresql": 1000}


def groupings(report: reports.Report) -> list[dict[str, str]]:
    """The parameter sets to run: one per choice of `by`, or the defaults alone."""
    for param in report.params:
        if param.name == "by" and param.choices:
            return [{"by": choice} for choice in param.choices]
    return [{}]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="database URL of an existing deployment")
    parser.add_argument("--as", dest="login", default="admin", help="whose visibility")
    parser.add_argument("--repeat", type=int, default=1, help="runs per figure (the median)")
    parser.add_argument(
        "--skip", default="", help="NAME:BY,... to leave out (BY 'None' for no by parameter)"
    )
    parser.add_argument(
        "--first", type=int, default=None, help="ask each report for its first N rows only"
    )
    args = parser.parse_args()
    skipped = {item for item in args.skip.split(",") if item}
    deployment = Deployment(args.db, PluginCatalog())
    target = TARGET_MS.get(deployment.engine.dialect.name, 1000)
    with deployment.work(args.login) as ctx:
        registered = sorted(reports.registry(ctx).values(), key=lambda r: r.name)
    for report in registered:
        for params in groupings(report):
            label = f"{report.name} {params or ''}".strip()
            if f"{report.name}:{params.get('by')}" in skipped:
                continue
            taken, rows = [], 0
            try:
                for _ in range(args.repeat):
                    with deployment.work(args.login) as ctx:
                        started = time.perf_counter()
                        table = reports.run(ctx, report.name, params, first=args.first)
                        rows = len(table.rows)
                        taken.append((time.perf_counter() - started) * 1000)
            except CrmError as refused:
                print(f"{'skipped':>10}  {label}: {refused}")
                continue
            median = statistics.median(taken)
            over = "  OVER" if median > target else ""
            print(f"{median:8.0f} ms  {rows:>9,} rows  {label} ({args.login}){over}", flush=True)
    deployment.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
