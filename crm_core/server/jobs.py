"""The daily jobs the server runs: each person's reminder digest delivered (mail, chat, the
outbox), protection expiry (with customer resources), the rollout snapshot. A job runs once per
day in the deployment's time zone, however many workers start it: the first to insert its row in
`crm_job_run` for that day runs it, the others see the row and skip (the primary key is the
lock)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, time
from zoneinfo import ZoneInfo

import attrs
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from crm_core.api.crm import Crm
from crm_core.foundation.errors import CrmError, NotFound
from crm_core.foundation.schema import table_of
from crm_core.foundation.types import utcnow
from crm_core.kernel.db import WRITE_LOCK
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import JobRun

log = logging.getLogger("crm.jobs")
_runs = table_of(JobRun)


@attrs.frozen
class Job:
    name: str
    #: The local time after which it runs each day.
    at: time
    summary: str
    run: Callable[[Crm], str]


def _digests(crm: Crm) -> str:
    """Each active person's digest, made with their own visibility, handed to delivery."""
    with crm.as_user() as desk:
        people = [u.login for u in desk.users.list() if u.active]
    sent = failed = 0
    for login in people:
        try:
            with crm.as_user(login) as desk:
                digest = desk.reports.digest()
                if digest.items and desk.reports.deliver(digest):
                    sent += 1
        except CrmError as exc:
            failed += 1
            log.warning("digest for user %s not delivered: %s", login, exc)
    return f"{sent} digests delivered, {failed} failed, {len(people)} people"


def _protection(crm: Crm) -> str:
    with crm.as_user(write=True) as desk:
        try:
            pool = desk.part("pool")
        except NotFound:
            return "skipped: customer_resources is not enabled"
        released = pool.expire_protection()
    return f"{released} leads returned to the pool"


def _snapshot(crm: Crm) -> str:
    with crm.as_user(write=True) as desk:
        taken = desk.tracking.snapshot()
    return f"{len(taken)} indicator readings"


JOBS = (
    Job(
        "protection-expiry",
        time(1, 0),
        "leads nobody contacted return to the shared pool",
        _protection,
    ),
    Job(
        "reminder-digest",
        time(7, 30),
        "each person's reminders, by mail, chat or the outbox",
        _digests,
    ),
    Job(
        "rollout-snapshot",
        time(23, 30),
        "today's rollout indicators, for the phase review",
        _snapshot,
    ),
)


def job(name: str) -> Job:
    for found in JOBS:
        if found.name == name:
            return found
    raise NotFound(f"No job {name!r}; the jobs: {', '.join(j.name for j in JOBS)}")


def _zone(crm: Crm) -> ZoneInfo:
    with crm.deployment.work() as ctx:
        return ctx.zone


@attrs.frozen
class RunRecord:
    job: str
    slot: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None


def claim(deployment: Deployment, name: str, slot: str) -> bool:
    """Take `name`'s run for `slot`; False when another worker (or an earlier run) has it."""
    locked = deployment.engine.connect().execution_options(**{WRITE_LOCK: True})
    try:
        with locked as connection, connection.begin():
            connection.execute(insert(_runs).values(job=name, slot=slot, started_at=utcnow()))
    except IntegrityError:
        return False
    return True


def finish(deployment: Deployment, name: str, slot: str, outcome: str) -> None:
    locked = deployment.engine.connect().execution_options(**{WRITE_LOCK: True})
    with locked as connection, connection.begin():
        connection.execute(
            update(_runs)
            .where(_runs.c.job == name, _runs.c.slot == slot)
            .values(finished_at=utcnow(), outcome=outcome[:2000])
        )


def run_job(crm: Crm, found: Job, slot: str) -> str | None:
    """Run `found` for `slot` unless it ran (or runs) already; its outcome, or None."""
    if not claim(crm.deployment, found.name, slot):
        return None
    try:
        outcome = found.run(crm)
    except Exception as exc:  # recorded, and the next day runs again
        outcome = f"failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        log.exception("job %s failed", found.name)
    finish(crm.deployment, found.name, slot, outcome)
    log.info("job %s (%s): %s", found.name, slot, outcome)
    return outcome


def due(crm: Crm, now: datetime | None = None) -> list[str]:
    """Run every job whose time has come today and that has not run today; the outcomes."""
    zone = _zone(crm)
    local = (now or utcnow()).astimezone(zone)
    outcomes = []
    for found in JOBS:
        if local.time() >= found.at:
            outcome = run_job(crm, found, local.date().isoformat())
            if outcome is not None:
                outcomes.append(f"{found.name}: {outcome}")
    return outcomes


def history(deployment: Deployment) -> dict[str, RunRecord]:
    """Each job's latest run."""
    latest: dict[str, RunRecord] = {}
    with deployment.engine.connect() as connection:
        rows = connection.execute(select(_runs).order_by(_runs.c.started_at))
        for row in rows:
            latest[row.job] = RunRecord(
                row.job, row.slot, row.started_at, row.finished_at, row.outcome
            )
    return latest


class Scheduler:
    """A thread that runs the due jobs every `every` seconds until stopped."""

    def __init__(self, deployment: Deployment, every: float = 60.0) -> None:
        self.crm = Crm(deployment)
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="crm-jobs", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        while True:
            try:
                due(self.crm)
            except Exception:
                log.exception("the job scheduler failed; it tries again in a minute")
            if self._stop.wait(self.every):
                return
