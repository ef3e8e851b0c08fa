"""Exports on an existing deployment (a world from bench/world.py), as one user: for each entity
that can be counted first, how long `crm export ENTITY FILE.xlsx` takes to refuse more rows than
a sheet holds, or to write what fits; with `--csv`, each export written in full to .csv as well.
Prints one line per figure (seconds, rows, rows/s, the process's peak memory so far).

    python bench/bench_exports.py --db sqlite:///world.db --as zhou
    python bench/bench_exports.py --db postgresql+psycopg://... --as s7 --csv
    python bench/bench_exports.py --db ... --as zhou --entity interactions
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from crm_core.features.imports import service as importing
from crm_core.features.imports.importer import importer_for
from crm_core.foundation.errors import ValidationError
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.plugins import PluginCatalog

ENTITIES = ("customers", "contacts", "interactions")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def export(deployment: Deployment, login: str, entity: str, path: Path) -> str:
    """One export, timed: the rows written, or the one-line refusal."""
    with deployment.work(login) as ctx:
        started = time.perf_counter()
        try:
            rows = importing.export_file(ctx, entity, path)
        except ValidationError as refused:
            seconds = time.perf_counter() - started
            return f"{seconds:8.2f} s  refused: {refused}"
        seconds = time.perf_counter() - started
    rate = rows / seconds if seconds else 0.0
    return f"{seconds:8.2f} s  {rows:,} rows  {rate:,.0f} rows/s  peak {peak_mb():,.0f} MB"


def counted(deployment: Deployment, login: str, entity: str) -> str:
    """The capped count alone, as the .xlsx check asks for it."""
    with deployment.work(login) as ctx:
        importer = importer_for(ctx, entity, exporting=True)
        if importer.export_count is None:
            return "no count"
        started = time.perf_counter()
        found = importer.export_count(ctx, {}, 1_048_575)
        seconds = time.perf_counter() - started
    more = "more than " if found > 1_048_575 else ""
    return f"{seconds:8.2f} s  {more}{min(found, 1_048_575):,} rows"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True, help="database URL of an existing deployment")
    parser.add_argument("--as", dest="login", default="zhou", help="who exports (default: zhou)")
    parser.add_argument("--csv", action="store_true", help="also write each export as .csv")
    parser.add_argument(
        "--entity", action="append", choices=ENTITIES, help="only these (default: all three)"
    )
    args = parser.parse_args()
    deployment = Deployment(args.db, PluginCatalog())
    folder = Path(tempfile.mkdtemp(prefix="crm-bench-exports-"))
    try:
        for entity in args.entity or ENTITIES:
            print(
                f"count {entity} for .xlsx ({args.login}): {counted(deployment, args.login, entity)}"
            )
            xlsx = export(deployment, args.login, entity, folder / f"{entity}.xlsx")
            print(f"export {entity} to .xlsx ({args.login}): {xlsx}")
            if args.csv:
                csv = export(deployment, args.login, entity, folder / f"{entity}.csv")
                print(f"export {entity} to .csv ({args.login}): {csv}")
            for written in folder.iterdir():
                written.unlink()
    finally:
        deployment.dispose()
        folder.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
