"""`python -m crm_core.revision PLUGIN MESSAGE` on the installed Alembic (CI runs this file on
the newest and the oldest Alembic that pyproject.toml allows)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

crm_level_watch = pytest.importorskip("crm_level_watch", reason="the revision is of level_watch")

VERSIONS = Path(crm_level_watch.__file__).parent / "migrations" / "versions"


def test_a_revision_of_an_unchanged_plugin_is_written_and_changes_nothing(tmp_path: Path) -> None:
    before = set(VERSIONS.glob("*.py"))
    done = subprocess.run(
        [sys.executable, "-m", "crm_core.revision", "level_watch", "nothing changed"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    made = set(VERSIONS.glob("*.py")) - before
    try:
        assert done.returncode == 0, done.stderr
        assert len(made) == 1, done.stdout
        text = made.pop().read_text(encoding="utf-8")
        assert "nothing changed" in text
        assert "op.create_table" not in text and "op.drop_table" not in text
        upgrade = text.split("def upgrade() -> None:", 1)[1].split("def downgrade", 1)[0]
        assert "pass" in upgrade
    finally:
        for path in set(VERSIONS.glob("*.py")) - before:
            path.unlink()
