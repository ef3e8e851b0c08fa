"""Dashboard pages and their tiles on an existing deployment (a world from bench/world.py), as
the median of many loads, optionally alternated with another checkout of the code (A/B).

    python bench/bench_pages.py --db sqlite:///world.db
    python bench/bench_pages.py --db postgresql+psycopg://... --as zhou --tiles
    python bench/bench_pages.py --db ... --as zhou --base /tmp/base --rounds 3

This machine's speed varies from one hour to the next (the same statement 28 ms, then 56 ms), so
a change is judged by `--base`: the same loads run alternately with the code of another
checkout (`git worktree add /tmp/base <commit>`), in fresh processes, on the same data. Prints
one line per figure; copy them into docs/benchmarks.md with the machine and the date.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from crm_core.features import reminders
from crm_core.features.reports import dashboard
from crm_core.hooks.context import Context
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.plugins import PluginCatalog

try:
    from crm_core.kernel.planner import without_parallel_workers
except ImportError:  # an older checkout run by --base: it had no such setting

    def without_parallel_workers(session: Any) -> None:
        return None


DAY = date(2026, 11, 20)  # the worlds' "today"
PLUGINS = ("customer_resources", "project_sales", "channel_commerce")


def loads(deployment: Deployment, login: str, job: Callable[[Context], Any], count: int) -> str:
    """min / p25 / median milliseconds of `count` loads, each in a unit of its own (after three
    unmeasured ones that warm caches and the connection pool)."""
    actor = deployment.resolve_actor(login)
    taken = []
    for n in range(count + 3):
        with deployment.work(actor) as ctx:
            start = time.perf_counter()
            job(ctx)
            if n >= 3:
                taken.append((time.perf_counter() - start) * 1000)
    taken.sort()
    return (
        f"min {taken[0]:.1f}  p25 {taken[len(taken) // 4]:.1f}  "
        f"median {statistics.median(taken):.1f} ms"
    )


def page(ctx: Context) -> str:
    return dashboard.html(ctx, DAY)


def tile_jobs(deployment: Deployment, login: str) -> dict[str, Callable[[Context], Any]]:
    """The page's jobs by name, each run as the page runs it (no parallel workers)."""
    with deployment.work(login) as ctx:
        names = [job.keywords["report"].name for job in dashboard._tile_jobs(ctx, DAY)]

    def reminder_job(ctx: Context) -> Any:
        return reminders.collect(ctx, DAY, limit=dashboard.REMINDER_ROWS)

    def tile(name: str) -> Callable[[Context], Any]:
        def run(ctx: Context) -> Any:
            without_parallel_workers(ctx.session)
            job = next(
                j for j in dashboard._tile_jobs(ctx, DAY) if j.keywords["report"].name == name
            )
            return job(ctx)

        return run

    return {"reminders": reminder_job, **{name: tile(name) for name in names}}


def measure(args: argparse.Namespace) -> None:
    deployment = Deployment(args.db, PluginCatalog())
    try:
        for login in args.logins:
            print(
                f"{args.label}dashboard page ({login}): {loads(deployment, login, page, args.loads)}"
            )
            if args.tiles:
                for name, job in tile_jobs(deployment, login).items():
                    figure = loads(deployment, login, job, max(5, args.loads // 2))
                    print(f"{args.label}  {name} ({login}): {figure}")
    finally:
        deployment.dispose()


def alternate(args: argparse.Namespace) -> None:
    """Run this script in fresh processes, alternately with `--base`'s code and this one's."""
    base = Path(args.base).resolve()
    here = Path(__file__).resolve().parent.parent
    paths = {
        "base: ": [base, *(base / "plugins" / p for p in PLUGINS)],
        "new:  ": [here, *(here / "plugins" / p for p in PLUGINS)],
    }
    command = [sys.executable, str(Path(__file__).resolve()), "--db", args.db, "--loads"]
    command += [str(args.loads), *(["--tiles"] if args.tiles else [])]
    command += [item for login in args.logins for item in ("--as", login)]
    for _ in range(args.rounds):
        for label, path in paths.items():
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, path))}
            subprocess.run([*command, "--label", label], env=env, check=True, cwd=base.parent)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True, help="database URL of an existing deployment")
    parser.add_argument(
        "--as", dest="logins", action="append", help="whose page (default: s7, lead0_0, zhou)"
    )
    parser.add_argument("--loads", type=int, default=15, help="measured loads per figure")
    parser.add_argument("--tiles", action="store_true", help="each job of the page on its own")
    parser.add_argument("--base", help="another checkout of the code, run alternately (A/B)")
    parser.add_argument("--rounds", type=int, default=2, help="A/B rounds")
    parser.add_argument("--label", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.logins = args.logins or ["s7", "lead0_0", "zhou"]
    if args.base:
        alternate(args)
    else:
        measure(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
