"""The examples run as an integrator would run them, on SQLite and PostgreSQL, and do what they say.
(examples/plugins/crm-level-watch has its own tests, collected from its folder.)"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from openpyxl import load_workbook

from crm_core.contract.testing import PostgresServer
from tests.conftest import needs_the_three_blocks

pytestmark = needs_the_three_blocks

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
BIN = Path(sys.executable).parent


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(
    request: pytest.FixtureRequest, crm_postgres: PostgresServer | None, tmp_path: Path
) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'example.db'}"
    if crm_postgres is None:
        pytest.skip("PostgreSQL server not available")
    return crm_postgres.create_database(f"ex_{uuid.uuid4().hex[:12]}")


def shell(script: Path, cwd: Path, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "CRM_DATABASE_URL": url}
    env.pop("CRM_AS", None)
    return subprocess.run(
        ["sh", str(script)], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


def test_exhibition_projects_is_configured_not_coded(tmp_path: Path) -> None:
    """The shell script itself, run by sh with `crm` on PATH (SQLite: its 25 processes take a
    while; the pipeline configuration it uses is tested on PostgreSQL in project_sales)."""
    script = EXAMPLES / "exhibition_projects" / "setup.sh"
    result = shell(script, tmp_path, f"sqlite:///{tmp_path / 'exhibition.db'}")
    assert result.returncode == 0, result.stderr
    # the gates refused exactly the two advances the script marks with `!`
    refusals = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(refusals) == 2
    assert "missing brief: budget" in refusals[0]
    assert "missing build: site_photos" in refusals[1]
    book = load_workbook(tmp_path / "项目月报.xlsx", read_only=True)
    rows = [r for r in book.worksheets[0].iter_rows(values_only=True) if any(r)]
    project = dict(zip(rows[0], rows[1], strict=False))
    assert project["project"] == "2027春季教育装备展"
    assert project["stage"] == "build"
    assert project["deliverables"] == "1/1"


def test_the_three_block_rollout_script(empty_database: str, tmp_path: Path) -> None:
    script = EXAMPLES / "three_block_rollout" / "rollout.py"
    result = subprocess.run(
        [sys.executable, str(script), "--dir", str(tmp_path), "--db", empty_database],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "block 1: imported 150 customers, 3 rows refused" in lines
    assert any(line.startswith("block 1: protected") and "李明" in line for line in lines)
    assert any("missing qualification: budget" in line for line in lines)
    assert "block 2: budget delivered; the project is now in solution" in lines
    assert any(line.startswith("block 3: credit control: credit limit exceeded") for line in lines)
    assert sum(line.startswith("verdict: ") for line in lines) == 3
