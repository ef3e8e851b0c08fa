"""How long a person waits for the `crm` command: `crm --version` (the start alone) and
`crm customers list --limit 50` (start, open the deployment, one page) on an existing
deployment (a world from bench/world.py), each in fresh processes, the median of `--runs`.

    python bench/bench_cli_start.py --db sqlite:///world.db
    python bench/bench_cli_start.py --db postgresql+psycopg://... --as zhou --runs 15

Targets: 0.2 s and 0.6 s of wall time on a 2-core machine with a million customers. One run of
each comes first and is not counted, so compiled bytecode exists (as after `pip install`);
PYTHONDONTWRITEBYTECODE is cleared for the same reason. Prints one line per figure; copy them
into docs/benchmarks.md with the machine and the date.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

TARGETS_S = {"crm --version": 0.2, "crm customers list --limit 50": 0.6}


def _crm() -> list[str]:
    found = shutil.which("crm", path=os.path.dirname(sys.executable))
    return [found] if found else [sys.executable, "-m", "crm_core.cli.main"]


def wall_times(command: list[str], runs: int, env: dict[str, str]) -> list[float]:
    subprocess.run(command, env=env, check=True, capture_output=True)  # bytecode, page cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True, help="database URL of an existing deployment")
    parser.add_argument("--as", dest="login", default="zhou", help="whose customers")
    parser.add_argument("--runs", type=int, default=11, help="measured runs per figure")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    crm = _crm()
    commands = {
        "crm --version": [*crm, "--version"],
        "crm customers list --limit 50": [
            *crm,
            "--db",
            args.db,
            "--as",
            args.login,
            "customers",
            "list",
            "--limit",
            "50",
        ],
    }
    for name, command in commands.items():
        times = wall_times(command, args.runs, env)
        median = statistics.median(times)
        verdict = "ok" if median <= TARGETS_S[name] else "OVER"
        print(
            f"{name:32} min {min(times):.3f}  median {median:.3f} s"
            f"  (target {TARGETS_S[name]} s) {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
