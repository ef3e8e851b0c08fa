"""Fuzzy duplicate scan: N customers with realistic names (no serial numbers, so blocks are as
dense as in life) and 0.5% planted near-duplicates (one character of the core changed), scanned
as the admin. Beside it, the naive all-pairs comparison (the same scorer, no blocking), timed on
a sample and projected to N.

    python bench/bench_duplicates.py                  # 1,000,000 customers, SQLite
    python bench/bench_duplicates.py --customers 100000 --postgres
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path
from random import Random

from rapidfuzz import fuzz
from throwaway import database
from world import CITIES, TRADES

from crm_core.foundation.normalize import name_key
from crm_core.foundation.schema import table_of
from crm_core.kernel import lifecycle
from crm_core.kernel.bulk import insert_rows
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import Customer
from crm_core.kernel.plugins import PluginCatalog
from crm_core.services import duplicates

CHUNK = 100_000
#: Real company names draw on thousands of characters; a small alphabet would make every name a
#: one-character neighbour of dozens of others. 2,500 ideographs from the common block.
ALPHABET = "".join(chr(0x4E00 + step * 7) for step in range(2_500))


def names(count: int, seed: int = 5) -> tuple[list[str], set[tuple[str, str]]]:
    """`count` distinct names, the last 0.5% each a one-character variant of an earlier one."""
    rng = Random(seed)
    planted = count // 200
    found: list[str] = []
    keys: set[str] = set()
    while len(found) < count - planted:
        city = rng.choice(list(CITIES))
        core = "".join(rng.choice(ALPHABET) for _ in range(rng.choice((2, 3, 3))))
        name = f"{city}{core}{rng.choice(TRADES)[0]}"
        if name_key(name) not in keys:
            keys.add(name_key(name))
            found.append(name)
    pairs = set()
    while len(pairs) < planted:
        original = rng.choice(found[: count - planted])
        city = next(c for c in CITIES if original.startswith(c))
        at = len(city) + rng.randrange(2)
        variant = original[:at] + rng.choice(ALPHABET) + original[at + 1 :]
        if name_key(variant) in keys:
            continue
        keys.add(name_key(variant))
        found.append(variant)
        pairs.add((original, variant))
    return found, pairs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--sample", type=int, default=3_000, help="names for the naive all-pairs")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="crm-bench-dups-"))
    url, server = database(args.postgres, "dups", scratch)
    deployment = Deployment(url, PluginCatalog(entry_point_list=[]))
    try:
        lifecycle.initialise(deployment)
        generated, planted = names(args.customers)
        now = datetime.now(UTC)
        with deployment.work("admin", write=True) as ctx:
            for start in range(0, len(generated), CHUNK):
                rows = [
                    {
                        "name": name,
                        "name_key": name_key(name),
                        "kind": "customer",
                        "level": "lead",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for name in generated[start : start + CHUNK]
                ]
                insert_rows(ctx.session, table_of(Customer), rows)
        started = time.perf_counter()
        with deployment.work("admin") as ctx:
            found = list(duplicates.scan(ctx))
        seconds = time.perf_counter() - started
        pairs = {tuple(sorted((p.first_name, p.second_name))) for p in found}
        caught = sum(tuple(sorted(pair)) in pairs for pair in planted)
        sample = [name_key(n) for n in generated[: args.sample]]
        started = time.perf_counter()
        compared = 0
        for a, b in combinations(sample, 2):
            fuzz.ratio(a, b, score_cutoff=80)
            compared += 1
        rate = compared / (time.perf_counter() - started)
        naive = args.customers * (args.customers - 1) / 2 / rate
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"fuzzy duplicate scan of {args.customers:,} customers ({deployment.engine.dialect.name}): "
            f"{seconds:.1f} s, {len(found):,} pairs, {caught:,} of {len(planted):,} planted found, "
            f"peak {peak:,.0f} MB; naive all-pairs {rate:,.0f} pairs/s -> {naive:,.0f} s projected "
            f"({naive / seconds:,.0f}x)",
            flush=True,
        )
    finally:
        deployment.dispose()
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
