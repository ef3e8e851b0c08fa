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

from crm_core.actor import SYSTEM
from crm_core.deployment import Deployment
from crm_core.models import Customer, ImportBatch, OwnershipPeriod
from crm_core.spreadsheets import write_rows

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
