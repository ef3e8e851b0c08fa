"""`crm dashboard`: one offline HTML page per person with their reminders and the reports their
role's dashboard shows (reports opt in with `Report.dashboard`), each over what they may see."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from functools import partial
from typing import Any, TypeVar

import attrs
from sqlalchemy import func, select

from crm_core.features import reminders
from crm_core.features.reports import engine as reports
from crm_core.features.reports.files import chart_svg
from crm_core.foundation import i18n, pages
from crm_core.foundation.errors import CrmError
from crm_core.hooks.context import Context
from crm_core.hooks.reports import Report
from crm_core.kernel.models import User
from crm_core.kernel.planner import without_parallel_workers
from crm_core.kernel.visibility import owner_is_visible

#: Rows shown under each chart; the chart itself draws them all.
TABLE_ROWS = 25
#: Reminder rows on the page; each collector is asked for this many of each kind, no more.
REMINDER_ROWS = reminders.FIRST_ITEMS
#: At most this many reports of a page run at once (one per core up to it).
MAX_WORKERS = 4

T = TypeVar("T")


@attrs.frozen
class Tile:
    name: str
    title: str
    params: dict[str, str]
    columns: list[str]
    rows: list[Any]
    total_rows: int
    chart: str | None
    millis: float


def tiles(ctx: Context, today: date, *, workers: int | None = None) -> list[Tile]:
    """Run every report the acting user's role has on its dashboard (see `html` for `workers`)."""
    return _in_start_order(ctx, _tile_jobs(ctx, today), workers)


def start_order(jobs: list[Callable[[Context], Any]]) -> list[int]:
    """The positions of a page's jobs in the order they start: the reminders (no report) and
    the tiles that list people (a report with `dashboard_team_params`: for a manager they read
    every person's rollup rows and are the page's longest) first, then the rest as given: two
    workers that take the longest tiles last leave one of them idle while the other finishes."""

    def later(position: int) -> bool:
        report = getattr(jobs[position], "keywords", {}).get("report")
        return report is not None and not report.dashboard_team_params

    return sorted(range(len(jobs)), key=lambda position: (later(position), position))


def _in_start_order(
    ctx: Context, jobs: list[Callable[[Context], T]], workers: int | None
) -> list[T]:
    """`_in_parallel` with the jobs started in `start_order`; the results in the jobs' order."""
    order = start_order(list(jobs))
    done = _in_parallel(ctx, [jobs[position] for position in order], workers)
    results: list[T] = list(done)
    for result, position in zip(done, order, strict=True):
        results[position] = result
    return results


def _tile_jobs(ctx: Context, today: date) -> list[Callable[[Context], Tile]]:
    role = "admin" if ctx.actor.is_admin else ctx.actor.role
    jobs: list[Callable[[Context], Tile]] = []
    by_team = _leads_several_teams(ctx)
    for report in sorted(reports.registry(ctx).values(), key=lambda r: r.name):
        if role not in report.dashboard:
            continue
        wanted = dict(report.dashboard_params(today)) if report.dashboard_params else {}
        if by_team:
            wanted.update(report.dashboard_team_params)
        known = {p.name for p in report.params}
        params = {k: v for k, v in wanted.items() if k in known}
        jobs.append(partial(_tile, report=report, params=params))
    return jobs


def _leads_several_teams(ctx: Context) -> bool:
    """Whether the reader's people (everyone for an admin, a manager's subtree) are more than a
    tile's table lists and belong to several teams: their tiles then group by team."""
    if ctx.actor.sees_everything:
        people = select(User.id, User.team_id).where(User.active.is_(True))
    elif ctx.actor.role == "manager" and ctx.actor.id is not None:
        people = select(User.id, User.team_id).where(
            User.active.is_(True), owner_is_visible(User.id, ctx.actor.id, driving=True)
        )
    else:
        return False
    listed = people.subquery()
    count, teams = ctx.session.execute(
        select(func.count(), func.count(func.distinct(listed.c.team_id))).select_from(listed)
    ).one()
    return bool(count > TABLE_ROWS and teams > 1)


def _tile(ctx: Context, report: Report, params: dict[str, str]) -> Tile:
    started = time.perf_counter()
    table = reports.run_report(ctx, report, params)
    millis = (time.perf_counter() - started) * 1000
    return Tile(
        report.name,
        report.label(),
        params,
        list(table.columns),
        list(table.rows[:TABLE_ROWS]),
        len(table.rows),
        chart_svg(report, table),
        millis,
    )


def _workers(ctx: Context, workers: int | None) -> int:
    """Parallel units for a page: one per core (at most `MAX_WORKERS`), on a database that
    other connections can read (not an in-memory SQLite one)."""
    if workers is not None:
        return max(1, workers)
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def _in_parallel(ctx: Context, jobs: list[Callable[[Context], T]], workers: int | None) -> list[T]:
    """Each job's result, in order. With one worker they run in the caller's unit of work;
    otherwise each worker opens one read-only unit for the same person, on its own connection,
    and takes the next job not yet started until none is left: PostgreSQL works on two units at
    once, and SQLite releases Python's lock while it reads. A unit per worker rather than per
    job: each unit begins a transaction and reads the settings and the rollups' state once
    (`transaction_cache`), which a dozen units per page read a dozen times."""
    count = min(_workers(ctx, workers), len(jobs))
    if count > 1 and ctx.alongside() is None:  # no other connection sees this database
        count = 1
    if count <= 1:
        without_parallel_workers(ctx.session)
        return [job(ctx) for job in jobs]
    results: dict[int, T] = {}
    waiting = iter(enumerate(jobs))
    taking = threading.Lock()
    failed = threading.Event()  # one job failed: the page fails, the others stop taking jobs

    def worker() -> None:
        beside = ctx.alongside()
        assert beside is not None
        with beside as own:
            without_parallel_workers(own.session)
            while not failed.is_set():
                with taking:
                    taken = next(waiting, None)
                if taken is None:
                    return
                position, job = taken
                try:
                    results[position] = job(own)
                except BaseException:
                    failed.set()
                    raise

    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="crm-dashboard") as pool:
        for started in [pool.submit(worker) for _ in range(count)]:
            started.result()
    return [results[position] for position in range(len(jobs))]


def html(ctx: Context, today: date, *, workers: int | None = None) -> str:
    """The page. Its reminders and tiles are read `workers` at a time (default: one per core),
    each in its own read-only unit of work, so they see what is committed; `workers=1` reads
    them one after another in `ctx`'s own transaction."""
    if ctx.actor.id is None:
        raise CrmError("a dashboard is drawn for a person: pass --as LOGIN")
    user = ctx.session.get(User, ctx.actor.id)
    assert user is not None
    # The reminders first: for a manager they are one of the longest jobs (see start_order).
    jobs: list[Callable[[Context], Any]] = [
        partial(reminders.collect, on=today, limit=REMINDER_ROWS),
        *_tile_jobs(ctx, today),
    ]
    due, *drawn = _in_start_order(ctx, jobs, workers)
    return pages.render(
        "dashboard.html",
        page_title=i18n._("Dashboard: {name}", name=user.name),
        user_name=user.name,
        login=user.login,
        role=user.role,
        today=today.isoformat(),
        reminders=[[r[c] for c in reminders.COLUMNS] for r in due[:REMINDER_ROWS]],
        reminder_columns=list(reminders.COLUMNS),
        tiles=drawn,
    )
