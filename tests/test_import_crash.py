"""Killing `crm import --batch-size` at any moment leaves whole batches only; a re-run completes
the file without importing anything twice (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from crm_core.features import rollups
from crm_core.foundation.spreadsheets import write_rows
from crm_core.hooks.actor import SYSTEM
from crm_core.hooks.rollups import ROLLUPS
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import Customer, ImportBatch, OwnershipPeriod

ROWS = 6000
BATCH = 250


def _counts(deployment: Deployment) -> tuple[int, int, int]:
    with deployment.work(SYSTEM) as ctx:
        customers = int(ctx.session.scalar(select(func.count()).select_from(Customer)) or 0)
        periods = int(ctx.session.scalar(select(func.count()).select_from(OwnershipPeriod)) or 0)
        batches = int(
            ctx.session.scalar(select(func.coalesce(func.sum(ImportBatch.inserted), 0))) or 0
        )
    return customers, periods, batches


def _rollups_intact(deployment: Deployment) -> tuple[set[str], set[int]]:
    """The rollups' triggers, and how many keys of each rollup differ from its source."""
    with deployment.work(SYSTEM) as ctx:
        connection = ctx.session.connection()
        if connection.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        triggers = {name for name in connection.exec_driver_sql(query).scalars()}
        zone = str(ctx.settings.get("timezone"))
        differing = {
            rollups.differences(connection, rollup, zone)
            for rollup in ctx.registry(ROLLUPS).values()
        }
    return {name for name in triggers if name.startswith("rollup_")}, differing


def _import(deployment: Deployment, path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crm_core.cli.main",
            "--db",
            deployment.url,
            "import",
            "customers",
            str(path),
            "--batch-size",
            str(BATCH),
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "CRM_LANG": "en"},
    )


@pytest.mark.parametrize("kill_after_batches", [0, 3, 9])
def test_kill_9_during_import_then_resume(
    crm_deployment: Deployment, tmp_path: Path, kill_after_batches: int
) -> None:
    path = tmp_path / "big.csv"
    write_rows(
        path, ["客户名称", "电话"], [[f"断电测试{i}号公司", f"1390{i:07d}"] for i in range(ROWS)]
    )
    triggers, _ = _rollups_intact(crm_deployment)
    assert "rollup_customers_by_level_insert" in triggers
    process = _import(crm_deployment, path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if _counts(crm_deployment)[2] >= kill_after_batches * BATCH:
            break
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    customers, periods, journaled = _counts(crm_deployment)
    # Whatever moment it died at: only whole batches, each with its journal row.
    assert customers == journaled == periods
    assert customers % BATCH == 0
    assert _rollups_intact(crm_deployment) == (triggers, {0})
    if crm_deployment.engine.dialect.name == "sqlite":
        with crm_deployment.engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    before = customers
    finished = _import(crm_deployment, path)
    out, err = finished.communicate(timeout=120)
    assert finished.returncode == 0, err.decode()
    customers, periods, journaled = _counts(crm_deployment)
    assert customers == periods == journaled == ROWS
    if 0 < before < ROWS:
        assert b"Resumed: %d rows" % before in out


# A wrapper around the CLI that kills the process at the third commit that wrote something (a batch
# commit: the first is the run's journal row, or a batch when resuming). Just before the driver's
# commit it notes, from inside the transaction, how many customers the commit would leave; then it
# dies before the commit, during it (a thread fires after DELAY seconds while the driver commits
# with the GIL released) or right after it returns.
_KILLER = """
import os, signal, sys, threading, time
from pathlib import Path
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.engine.default import DefaultDialect

MOMENT = os.environ["KILL_MOMENT"]
DELAY = float(os.environ["KILL_DELAY"])
MARKER = Path(os.environ["KILL_MARKER"])
state = {"wrote": False, "commits": 0}

@event.listens_for(Engine, "before_cursor_execute")
def _note_write(conn, cursor, statement, parameters, context, executemany):
    if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
        state["wrote"] = True

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def wait_then_die():
    if DELAY:
        time.sleep(DELAY)  # releases the GIL, so a commit that returns first is noticed
    die()

original = DefaultDialect.do_commit

def do_commit(self, dbapi_connection):
    state["commits"] += state["wrote"]
    state["wrote"] = False
    if state["commits"] != 3:
        return original(self, dbapi_connection)
    cursor = dbapi_connection.cursor()
    cursor.execute("SELECT count(*) FROM crm_customer")
    MARKER.write_text(str(cursor.fetchone()[0]))
    if MOMENT == "before":
        die()
    if MOMENT == "during":
        threading.Thread(target=wait_then_die, daemon=True).start()
    original(self, dbapi_connection)
    with MARKER.open("a") as marker:
        marker.write(" returned")
    die()

DefaultDialect.do_commit = do_commit
from crm_core.cli.main import main
main()
"""


def _import_killed_at_commit(
    deployment: Deployment, path: Path, marker: Path, moment: str, delay: float
) -> subprocess.CompletedProcess[bytes]:
    args = ["--db", deployment.url, "import", "customers", str(path)]
    return subprocess.run(
        [sys.executable, "-c", _KILLER, *args, "--batch-size", str(BATCH), "--quiet"],
        capture_output=True,
        timeout=120,
        env={
            **os.environ,
            "CRM_LANG": "en",
            "KILL_MOMENT": moment,
            "KILL_DELAY": str(delay),
            "KILL_MARKER": str(marker),
        },
    )


def test_kill_9_inside_the_commit_of_a_batch(crm_deployment: Deployment, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    write_rows(
        path, ["客户名称", "电话"], [[f"提交断电{i}号公司", f"1391{i:07d}"] for i in range(ROWS)]
    )
    moments = [("before", 0.0), ("after", 0.0)]
    moments += [("during", delay) for delay in (0.0, 0.00002, 0.0001, 0.0003, 0.001, 0.003)]
    outcomes = []
    for moment, delay in moments:
        marker = tmp_path / f"marker-{moment}-{delay}"
        killed = _import_killed_at_commit(crm_deployment, path, marker, moment, delay)
        assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
        committing, *returned = marker.read_text().split()
        with_batch = int(committing)
        customers, periods, journaled = _counts(crm_deployment)
        assert customers == journaled == periods
        assert customers % BATCH == 0
        if moment == "before":
            assert customers == with_batch - BATCH
        elif moment == "after":
            assert customers == with_batch
        else:
            assert customers in (with_batch - BATCH, with_batch)
            kept = "kept" if customers == with_batch else "absent"
            outcomes.append(
                f"{delay * 1e6:.0f} µs: {kept}, {'after' if returned else 'before'} return"
            )
        if crm_deployment.engine.dialect.name == "sqlite":
            with crm_deployment.engine.connect() as conn:
                assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    # On PostgreSQL some kills land after the server committed but before the driver returned.
    print("kills during the commit:", "; ".join(outcomes))
    finished = _import(crm_deployment, path)
    out, err = finished.communicate(timeout=120)
    assert finished.returncode == 0, err.decode()
    assert b"Resumed: " in out
    assert _counts(crm_deployment) == (ROWS, ROWS, ROWS)
