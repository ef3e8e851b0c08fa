"""Every benchmark, on SQLite and PostgreSQL, each figure beside its naive baseline; writes the
results into docs/benchmarks.md (between the `bench:begin` and `bench:end` markers).

    python bench/run_all.py                         # 1,000,000 customers (about an hour)
    python bench/run_all.py --customers 100000      # a tenth
    python bench/run_all.py --customers 20000 --smoke   # what CI runs: the scripts work, no file
    python bench/run_all.py --sqlite-world W.db --postgresql-world URL   # worlds kept from before

Generates the deployment with bench/world.py, then measures: customer pages at any depth (keyset
against OFFSET), name and phone prefix search (indexed against a Python-side filter), counts,
ad-hoc report groupings (SQL GROUP BY against Python aggregation), dashboards, hook dispatch
(against a plain function call), a leaver's transfer (one statement per batch against the ORM
row by row), and the spreadsheet import (bench/bench_import.py, against the ORM row by row).
Times are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from random import Random
from typing import Any

import attrs
import pluggy
from sqlalchemy import func, select

from crm_core.features.reports import dashboard
from crm_core.features.reports import engine as reports
from crm_core.hooks.markers import PROJECT, hookimpl
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import Customer, User
from crm_core.kernel.plugins import HookRelay, PluginCatalog, make_plugin_manager
from crm_core.services import customers, transfer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throwaway import database
from world import Sizes, World

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


@attrs.define
class Figure:
    backend: str
    label: str
    value: float  # seconds, or rows per second when `rate`
    baseline: float | None = None
    target: str = ""
    rate: bool = False
    detail: str = ""
    #: The baseline is the cheaper path (hook calls): the ratio says what going through costs.
    cost: bool = False

    def shown(self, value: float | None) -> str:
        if value is None:
            return ""
        if self.rate:
            return f"{value:,.0f} rows/s"
        if value < 0.001:
            return f"{value * 1e6:,.2f} µs"
        return f"{value * 1000:,.1f} ms" if value < 10 else f"{value:,.1f} s"

    def ratio(self) -> str:
        if not self.baseline or not self.value:
            return ""
        if self.cost:
            return f"+{(self.value - self.baseline) * 1e6:,.2f} µs"
        times = self.value / self.baseline if self.rate else self.baseline / self.value
        return f"{times:,.0f}x" if times >= 10 else f"{times:,.1f}x"


@attrs.define
class Bench:
    backend: str
    figures: list[Figure] = attrs.Factory(list)

    def add(self, label: str, value: float, **extra: Any) -> None:
        figure = Figure(self.backend, label, value, **extra)
        self.figures.append(figure)
        baseline = (
            f"  naive {figure.shown(figure.baseline)} ({figure.ratio()})" if figure.baseline else ""
        )
        target = f"  target {figure.target}" if figure.target else ""
        print(
            f"[{self.backend}] {label:<62} {figure.shown(value):>14}{baseline}{target}  {figure.detail}",
            flush=True,
        )


def percentile(samples: list[float], q: int) -> float:
    return (
        statistics.quantiles(samples, n=100, method="inclusive")[q - 1]
        if len(samples) > 1
        else samples[0]
    )


def clock(fn: Callable[[], Any], times: int) -> list[float]:
    taken = []
    for _ in range(times):
        started = time.perf_counter()
        fn()
        taken.append(time.perf_counter() - started)
    return taken


# -- measurements --------------------------------------------------------------------------


def lists(deployment: Deployment, bench: Bench, rng: Random, samples: int) -> None:
    """A page of 50 at a random depth, keyset (id > after) against OFFSET at the same depth."""
    with deployment.work("admin") as ctx:
        top = ctx.session.scalar(select(func.max(Customer.id))) or 1
    for login, role in (("s7", "salesperson"), ("zhou", "top manager")):
        with deployment.work(login) as ctx:
            visible = ctx.session.scalar(select(func.count()).select_from(Customer)) or 1
            everything = customers.CustomerFilter()
            keyset, offset = [], []
            for n in range(samples):
                started = time.perf_counter()
                customers.list_page(ctx, everything, after_id=rng.randint(0, top), limit=50)
                keyset.append(time.perf_counter() - started)
                if n % 20 == 0:
                    depth = rng.randint(0, max(0, visible - 50))
                    started = time.perf_counter()
                    ctx.session.execute(
                        select(Customer).order_by(Customer.id).offset(depth).limit(50)
                    ).all()
                    offset.append(time.perf_counter() - started)
        for q in (50, 95, 99):
            bench.add(
                f"customer page of 50 at any depth, {role}: p{q}",
                percentile(keyset, q),
                baseline=percentile(offset, q),
                target="p95 ≤ 50 ms" if q == 95 else "",
                detail=f"{visible:,} visible; naive: OFFSET",
            )


def search(deployment: Deployment, bench: Bench, rng: Random, samples: int) -> None:
    """Name and phone prefix search, first page, as the top manager: the filter in SQL against
    loading every visible name and phone and filtering in Python."""
    with deployment.work("admin") as ctx:
        names = list(
            ctx.session.scalars(select(Customer.name).order_by(func.random()).limit(samples))
        )
        phones = list(
            ctx.session.scalars(select(Customer.phone).order_by(func.random()).limit(samples))
        )
    with deployment.work("zhou") as ctx:

        def python_side(needle: str) -> list[Any]:
            rows = ctx.session.execute(select(Customer.id, Customer.name, Customer.phone)).all()
            return [
                r for r in rows if r.name.startswith(needle) or (r.phone or "").startswith(needle)
            ][:50]

        for kind, values, cut in (("name", names, 6), ("phone", phones, 7)):
            taken, naive = [], []
            for n, value in enumerate(values):
                started = time.perf_counter()
                customers.list_page(ctx, customers.CustomerFilter(prefix=value[:cut]), limit=50)
                taken.append(time.perf_counter() - started)
                if n < 3:
                    started = time.perf_counter()
                    python_side(value[:cut])
                    naive.append(time.perf_counter() - started)
            for q in (50, 95):
                bench.add(
                    f"{kind} prefix search ({cut} characters), first 50: p{q}",
                    percentile(taken, q),
                    baseline=statistics.median(naive),
                    target="p95 ≤ 100 ms" if q == 95 else "",
                    detail="naive: filter in Python",
                )


def counts(deployment: Deployment, bench: Bench) -> None:
    for login, role in (("s7", "salesperson"), ("zhou", "top manager")):
        with deployment.work(login) as ctx:
            exact = clock(lambda: ctx.session.scalar(select(func.count()).select_from(Customer)), 5)
            capped = clock(lambda: customers.count_visible(ctx, customers.CustomerFilter()), 5)
            shown = customers.count_visible(ctx, customers.CustomerFilter())
            naive = clock(lambda: len(ctx.session.execute(select(Customer.id)).all()), 1)
        bench.add(
            f"count visible customers, exact, {role}",
            statistics.median(exact),
            baseline=naive[0],
            detail="naive: load the ids",
        )
        bench.add(
            f"count visible customers, capped at {customers.COUNT_CAP:,}, {role}",
            statistics.median(capped),
            baseline=naive[0],
            target="≤ 20 ms",
            detail=f"shows {shown.text()}",
        )


def _naive_reports(ctx: Any) -> dict[tuple[str, str], Callable[[], int]]:
    """Python-side aggregation of the visible source rows, one per report case: what a report
    costs when rows are fetched and grouped in the application."""
    from crm_channel_commerce.models import Dealer, DealerOrder
    from crm_core.kernel.models import Interaction
    from crm_customer_resources.models import Order, Payment
    from crm_project_sales.models import Project, Stage

    zone = ctx.zone

    def orders_by(keys: Callable[[Any], tuple[Any, ...]]) -> Callable[[], int]:
        def run() -> int:
            found: Counter[tuple[Any, ...]] = Counter()
            query = (
                select(Order.ordered_on, User.login, Customer.industry, Order.total)
                .join(Customer, Customer.id == Order.customer_id)
                .outerjoin(User, User.id == Order.owner_id)
                .where(Order.status != "cancelled")
            )
            for row in ctx.session.execute(query):
                found[keys(row)] += row[3]
            return len(found)

        return run

    def interactions_by_day() -> int:
        found: Counter[tuple[str, str]] = Counter()
        query = select(Interaction.occurred_at, User.login).join(
            User, User.id == Interaction.user_id
        )
        for moment, login in ctx.session.execute(query):
            found[(moment.astimezone(zone).date().isoformat(), login)] += 1
        return len(found)

    def pipeline() -> int:
        stages = {
            (category, code): (probability, outcome)
            for category, code, probability, outcome in ctx.session.execute(
                select(Stage.category, Stage.code, Stage.probability, Stage.outcome)
            )
        }
        categories = {category for category, _code in stages}
        found: Counter[str] = Counter()
        query = select(
            User.login, Project.category, Project.stage_code, Project.expected_amount
        ).join(User, User.id == Project.owner_id)
        for login, category, code, amount in ctx.session.execute(query):
            pipeline = category if category in categories else "*"
            probability, outcome = stages[(pipeline, code)]
            if outcome == "open":
                found[login] += amount * probability / 100
        return len(found)

    def receipts_by_month() -> int:
        found: Counter[str] = Counter()
        for received, amount in ctx.session.execute(select(Payment.received_on, Payment.amount)):
            found[received.strftime("%Y-%m")] += amount
        return len(found)

    def exposure() -> int:
        owed: Counter[int] = Counter()
        for customer, total, paid, status in ctx.session.execute(
            select(DealerOrder.customer_id, DealerOrder.total, DealerOrder.paid, DealerOrder.status)
        ):
            if status == "shipped":
                owed[customer] += total - paid
        rows = [
            (name, limit, owed.get(customer, 0))
            for customer, name, limit in ctx.session.execute(
                select(Dealer.customer_id, Customer.name, Dealer.credit_limit).join(
                    Customer, Customer.id == Dealer.customer_id
                )
            )
        ]
        return len(rows)

    return {
        ("sales", "month,salesperson,industry"): orders_by(
            lambda r: (r[0].strftime("%Y-%m"), r[1], r[2])
        ),
        ("sales", "month"): orders_by(lambda r: (r[0].strftime("%Y-%m"),)),
        ("interactions-per-day", ""): interactions_by_day,
        ("pipeline", "owner"): pipeline,
        ("credit-exposure", ""): exposure,
        ("receipts", "month"): receipts_by_month,
    }


@contextmanager
def rollups_ignored(ctx: Any) -> Iterator[None]:
    """Within this block the reports aggregate their source rows, as they did before rollups
    (a report reads a rollup only while its build is recorded); rolled back afterwards."""
    from crm_core.features.rollups import RollupState
    from crm_core.foundation.schema import table_of

    state = table_of(RollupState)
    saved = [dict(row._mapping) for row in ctx.session.execute(select(state))]
    ctx.session.execute(state.delete())
    try:
        yield
    finally:
        ctx.session.execute(state.insert(), saved)


def report_groupings(deployment: Deployment, bench: Bench) -> None:
    """Ad-hoc groupings as the admin and the top manager (visibility applies), each beside the
    Python-side aggregation of the same rows; dashboards beside the same page computed from the
    source rows (no rollups)."""
    cases = (
        (
            "sales",
            {"by": "month,salesperson,industry"},
            "orders: month x salesperson x industry",
            "≤ 2 s SQLite, ≤ 1 s PostgreSQL",
        ),
        ("sales", {"by": "month"}, "orders: month", ""),
        ("receipts", {"by": "month"}, "payments: month", ""),
        (
            "interactions-per-day",
            {},
            "interactions: day x salesperson",
            "≤ 2 s SQLite, ≤ 1 s PostgreSQL",
        ),
        ("pipeline", {"by": "owner"}, "projects: pipeline by owner", ""),
        ("credit-exposure", {}, "dealers: credit exposure", ""),
    )
    for login, role in (("admin", "admin"), ("zhou", "top manager")):
        with deployment.work(login) as ctx:
            naive = _naive_reports(ctx)
            for name, params, label, target in cases:
                taken, last = [], None
                for _ in range(3):
                    started = time.perf_counter()
                    last = reports.run(ctx, name, params)
                    taken.append(time.perf_counter() - started)
                rows = len(last.rows) if last else 0
                baseline = statistics.median(clock(naive[(name, params.get("by", ""))], 1))
                bench.add(
                    f"report {label} ({role})",
                    statistics.median(taken),
                    baseline=baseline,
                    target=target,
                    detail=f"{rows:,} rows; naive: aggregate in Python",
                )
    for login, role in (("s7", "salesperson"), ("lead0_0", "team lead"), ("zhou", "top manager")):
        with deployment.work(login, write=True) as ctx:
            taken = clock(lambda: dashboard.html(ctx, date(2026, 11, 20)), 3)
            with rollups_ignored(ctx):  # uncommitted: the page must read in this transaction
                before = clock(lambda: dashboard.html(ctx, date(2026, 11, 20), workers=1), 1)
            ctx.session.rollback()
        bench.add(
            f"dashboard page ({role})",
            statistics.median(taken),
            baseline=before[0],
            target="≤ 200 ms",
            detail="naive: the same page from the source rows",
        )


class _Spec:
    @pluggy.HookspecMarker(PROJECT)
    def crm_bench_probe(self, value: int) -> int:  # type: ignore[empty-body]
        """A hook for measuring dispatch."""


class _Impl:
    @hookimpl
    def crm_bench_probe(self, value: int) -> int:
        return value + 1


def hook_dispatch(bench: Bench, calls: int = 200_000) -> None:
    """A hook call through the relay every write path uses, against calling a function."""

    def plain(value: int) -> int:
        return value + 1

    started = time.perf_counter()
    for n in range(calls):
        plain(n)
    direct = (time.perf_counter() - started) / calls
    for implementations in (1, 3):
        pm = make_plugin_manager([], [])
        pm.add_hookspecs(_Spec)
        for _ in range(implementations):
            pm.register(_Impl())
        relay = HookRelay(pm)
        started = time.perf_counter()
        for n in range(calls):
            relay.crm_bench_probe(value=n)
        each = (time.perf_counter() - started) / calls
        bench.add(
            f"hook call with {implementations} implementation(s)",
            each,
            baseline=direct * implementations,
            target="≤ 2 µs",
            cost=True,
            detail="naive: the function(s) called directly",
        )


def leaver(deployment: Deployment, bench: Bench, sample: int) -> None:
    """The leaver's whole book to s1 in one transaction, against the ORM changing each owner,
    its history and audit row one customer at a time (timed on `sample` customers, scaled)."""
    with deployment.work("admin") as ctx:
        book = ctx.session.scalar(
            select(func.count())
            .select_from(Customer)
            .join(User, User.id == Customer.owner_id)
            .where(User.login == "leaver")
        )
        spare = list(
            ctx.session.scalars(
                select(Customer.id)
                .join(User, User.id == Customer.owner_id)
                .where(User.login == "s2")
                .limit(sample)
            )
        )
    started = time.perf_counter()
    with deployment.work("admin", write=True) as ctx:
        for customer_id in spare:  # the naive way: one customer, one ORM unit of work each
            transfer.transfer_customers(ctx, [str(customer_id)], "s3", "naive")
    per_customer = (time.perf_counter() - started) / max(1, len(spare))
    started = time.perf_counter()
    with deployment.work("admin", write=True) as ctx:
        moved = transfer.transfer_all(ctx, "leaver", "s1", "bench")
    seconds = time.perf_counter() - started
    bench.add(
        f"transfer a leaver's book of {book:,} customers with their records",
        seconds,
        baseline=per_customer * (book or 1),
        target="≤ 2 s for 5,000",
        detail=f"{sum(moved.moved.values()):,} records moved; naive: one transfer per customer ({len(spare)} timed, scaled)",
    )


def imports(
    url_for: Callable[[str], str] | None, bench: Bench, rows: int, naive: int, postgres: bool
) -> None:
    """bench/bench_import.py in a child: CSV import against the ORM row by row."""
    command = [
        sys.executable,
        str(ROOT / "bench" / "bench_import.py"),
        "--rows",
        str(rows),
        "--naive-rows",
        str(naive),
        "--xlsx-rows",
        str(max(1000, rows // 5)),
    ]
    if postgres:
        command.append("--postgres")
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    lines = done.stdout.splitlines()
    naive_rate = _rate(next(line for line in lines if line.startswith("naive")))
    for line in lines:
        for prefix, label, target in (
            (
                "crm import customers FILE.csv",
                f"import {rows:,} customers from .csv",
                "≥ 100,000 rows/s",
            ),
            (
                "crm import customers FILE.xlsx",
                f"import {max(1000, rows // 5):,} customers from .xlsx",
                "≥ 50,000 rows/s",
            ),
        ):
            if line.startswith(prefix):
                peak = re.search(r"peak ([\d,]+) MB", line)
                bench.add(
                    label,
                    _rate(line),
                    baseline=naive_rate,
                    target=target,
                    rate=True,
                    detail=f"peak {peak.group(1) if peak else '?'} MB; naive: customers.create per row",
                )


def duplicate_scan(bench: Bench, customers: int, sample: int, postgres: bool) -> None:
    """bench/bench_duplicates.py in a child: its own realistic names, with planted duplicates."""
    command = [
        sys.executable,
        str(ROOT / "bench" / "bench_duplicates.py"),
        "--customers",
        str(customers),
        "--sample",
        str(sample),
    ]
    if postgres:
        command.append("--postgres")
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    line = done.stdout.strip().splitlines()[-1]
    found = re.search(
        r": ([\d.]+) s, ([\d,]+) pairs, ([\d,]+) of ([\d,]+) planted found, peak ([\d,]+) MB; .* -> ([\d,]+) s projected",
        line,
    )
    assert found, line
    seconds, pairs, caught, planted, peak, naive = found.groups()
    bench.add(
        f"fuzzy duplicate scan of {customers:,} customers",
        float(seconds),
        baseline=float(naive.replace(",", "")),
        target="≤ 60 s",
        detail=f"{caught} of {planted} planted duplicates found, {pairs} pairs, peak {peak} MB; naive: all pairs, projected",
    )


def _rate(line: str) -> float:
    found = re.search(r"([\d,]+) rows/s", line)
    assert found, line
    return float(found.group(1).replace(",", ""))


# -- running and writing -------------------------------------------------------------------


def run_backend(backend: str, args: argparse.Namespace, scratch: Path) -> Bench:
    bench = Bench(backend)
    server = None
    if backend == "sqlite":
        url = f"sqlite:///{args.sqlite_world or scratch / 'world.db'}"
    elif args.postgresql_world:
        url = args.postgresql_world
    else:
        url, server = database(True, "bench", scratch, None)
    deployment = Deployment(url, PluginCatalog())
    rng = Random(8)
    samples = 40 if args.smoke else 200
    try:
        started = time.perf_counter()
        if deployment.exists() and _has_customers(deployment):
            print(f"[{backend}] reusing the world in {url}", flush=True)
        else:
            World(
                deployment,
                Sizes.for_customers(args.customers),
                say=lambda line: print(f"[{backend}] {line}", flush=True),
            ).build()
            seconds = time.perf_counter() - started
            # Set-up, not an operation under test: printed, and stated beside the table.
            print(f"[{backend}] generated the world of {args.customers:,} in {seconds:.1f} s")
        lists(deployment, bench, rng, samples)
        search(deployment, bench, rng, samples)
        counts(deployment, bench)
        report_groupings(deployment, bench)
        leaver(deployment, bench, 20 if args.smoke else 200)
    finally:
        deployment.dispose()
        if server is not None:
            server.stop()
    if backend == "sqlite":
        hook_dispatch(bench, 20_000 if args.smoke else 200_000)
    imports(None, bench, args.import_rows, 500 if args.smoke else 3_000, backend == "postgresql")
    duplicate_scan(bench, args.customers, 300 if args.smoke else 3_000, backend == "postgresql")
    return bench


def _has_customers(deployment: Deployment) -> bool:
    with deployment.work("admin") as ctx:
        return bool(ctx.session.scalar(select(func.count()).select_from(Customer)))


_UNITS = {"µs": 1e-6, "ms": 1e-3, "s": 1.0}
_VALUE = r"([\d,.]+) (µs|ms|s|rows/s)"
_LINE = re.compile(
    rf"^\[(\w+)\] (.+?)\s+{_VALUE}(?:  naive {_VALUE} \([^)]*\))?(?:  target (.+?))?  (.*)$"
)


def _seconds(number: str, unit: str) -> tuple[float, bool]:
    value = float(number.replace(",", ""))
    return (value, True) if unit == "rows/s" else (value * _UNITS[unit], False)


def from_log(text: str) -> dict[str, Bench]:
    """The figures an earlier run printed, by database (for `--reuse-log`)."""
    benches: dict[str, Bench] = {}
    for line in text.splitlines():
        found = _LINE.match(line)
        if found is None or found.group(2).startswith("generate"):  # set-up, not a figure
            continue
        backend, label, number, unit, base_number, base_unit, target, detail = found.groups()
        value, rate = _seconds(number, unit)
        baseline = _seconds(base_number, base_unit)[0] if base_number else None
        bench = benches.setdefault(backend, Bench(backend))
        bench.figures.append(
            Figure(
                backend,
                label.strip(),
                value,
                baseline=baseline,
                target=target or "",
                rate=rate,
                detail=detail,
                cost=label.startswith("hook call"),
            )
        )
    return benches


def markdown(benches: list[Bench], args: argparse.Namespace) -> str:
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    lines = [
        BEGIN,
        f"## All figures at {args.customers:,} customers ({date.today().isoformat()})",
        "",
        f"Written by `python bench/run_all.py --customers {args.customers}` on {machine}. "
        "The ratio compares with the naive path measured in the same run (for hook calls, it is "
        "the cost of going through the plugin manager).",
        "",
        "| operation | "
        + " | ".join(b.backend for b in benches)
        + " | naive ("
        + " / ".join(b.backend for b in benches)
        + ") | ratio | target |",
        "|---|" + "---|" * len(benches) + "---|---|---|",
    ]
    labels = list(dict.fromkeys(f.label for b in benches for f in b.figures))
    for label in labels:
        found = [next((f for f in b.figures if f.label == label), None) for b in benches]
        first = next(f for f in found if f is not None)
        cells = [f.shown(f.value) if f else "" for f in found]
        naive = " / ".join(f.shown(f.baseline) for f in found if f and f.baseline)
        ratios = " / ".join(f.ratio() for f in found if f and f.ratio())
        lines.append(
            f"| {label} | " + " | ".join(cells) + f" | {naive} | {ratios} | {first.target} |"
        )
    lines += ["", END]
    return "\n".join(lines)


def write_doc(text: str) -> None:
    current = DOC.read_text(encoding="utf-8")
    if BEGIN in current:
        head, rest = current.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        DOC.write_text(head + text + tail, encoding="utf-8")
    else:
        marker = "\n## "
        first, _, remainder = current.partition(marker)
        DOC.write_text(f"{first}\n{text}\n{marker}{remainder}", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument(
        "--import-rows", type=int, help="rows for the import benchmark (default: --customers)"
    )
    parser.add_argument(
        "--backend", choices=("sqlite", "postgresql"), action="append", help="default: both"
    )
    parser.add_argument(
        "--smoke", action="store_true", help="few samples, and docs/benchmarks.md is left alone"
    )
    parser.add_argument(
        "--reuse-log",
        type=Path,
        help="take the figures of the databases not measured now from this earlier printout",
    )
    parser.add_argument(
        "--sqlite-world",
        type=Path,
        help="keep the SQLite world in this file; measure the one already there instead of "
        "generating it again (only once: the transfer benchmark changes it)",
    )
    parser.add_argument(
        "--postgresql-world",
        metavar="URL",
        help="measure the world already in this PostgreSQL database (a server you started) "
        "instead of starting one and generating it (the transfer benchmark changes it)",
    )
    args = parser.parse_args()
    args.import_rows = args.import_rows or args.customers
    scratch = Path(tempfile.mkdtemp(prefix="crm-bench-all-"))
    print(
        f"# {platform.node()} {platform.machine()} {os.cpu_count()} cpus, Python {platform.python_version()}",
        flush=True,
    )
    chosen = args.backend or ["sqlite", "postgresql"]
    measured = {backend: run_backend(backend, args, scratch) for backend in chosen}
    if args.reuse_log:  # the other database's figures, from an earlier run's printout
        for backend, bench in from_log(args.reuse_log.read_text(encoding="utf-8")).items():
            measured.setdefault(backend, bench)
    benches = [measured[b] for b in ("sqlite", "postgresql") if b in measured]
    text = markdown(benches, args)
    if args.smoke:
        print(text)
    else:
        write_doc(text)
        print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
