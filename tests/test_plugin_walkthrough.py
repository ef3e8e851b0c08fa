"""docs/writing-a-plugin.md, built and run: its `# crm-visit-photos/...` blocks put together make
a distribution, which is installed (its metadata on the path, as `pip install -e` leaves it),
whose migration `python -m crm_core.revision` generates, and whose own tests then pass on SQLite
and PostgreSQL. The plugin imports only the contract."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "writing-a-plugin.md"
PROJECT = "crm-visit-photos"
#: A fenced block that is (part of) a file: its first line names the file.
BLOCK = re.compile(r"```[a-z]*\n# " + PROJECT + r"/(\S+)\n(.*?)```", re.DOTALL)
EMPTY = ("crm_visit_photos/__init__.py", "crm_visit_photos/migrations/__init__.py")


def files_of(doc: str) -> dict[str, str]:
    """Each file the page shows, its parts in the page's order."""
    files: dict[str, list[str]] = {}
    for path, body in BLOCK.findall(doc):
        files.setdefault(path, []).append(body.strip("\n"))
    return {path: "\n\n\n".join(parts) + "\n" for path, parts in files.items()}


def build(root: Path) -> Path:
    """The distribution written out and installed on `root` (a folder for PYTHONPATH)."""
    project = root / PROJECT
    for path, text in files_of(DOC.read_text(encoding="utf-8")).items():
        target = project / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    for path in (*EMPTY, "crm_visit_photos/migrations/versions/__init__.py"):
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).touch()
    meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    info = project / f"{meta['name'].replace('-', '_')}-{meta['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {meta['name']}\nVersion: {meta['version']}\n",
        encoding="utf-8",
    )
    points = [
        f"[{group}]\n" + "".join(f"{name} = {target}\n" for name, target in entries.items())
        for group, entries in meta["entry-points"].items()
    ]
    (info / "entry_points.txt").write_text("\n".join(points), encoding="utf-8")
    return project


def _env(project: Path) -> dict[str, str]:
    paths = [str(project), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def test_the_page_shows_every_file_of_the_plugin() -> None:
    files = files_of(DOC.read_text(encoding="utf-8"))
    assert set(files) == {
        "pyproject.toml",
        "crm_visit_photos/models.py",
        "crm_visit_photos/api.py",
        "crm_visit_photos/commands.py",
        "crm_visit_photos/reports.py",
        "crm_visit_photos/plugin.py",
        "tests/test_visit_photos.py",
    }
    assert files["crm_visit_photos/plugin.py"].count("@hookimpl") == 5  # both parts joined


def test_the_plugin_imports_nothing_of_crm_core_but_the_contract() -> None:
    for path, text in files_of(DOC.read_text(encoding="utf-8")).items():
        if not path.endswith(".py"):
            continue
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                assert not name.startswith("crm_core") or name.startswith("crm_core.contract"), (
                    path,
                    name,
                )


def test_the_walkthrough_builds_migrates_and_passes_its_own_tests(tmp_path: Path) -> None:
    project = build(tmp_path)
    env = _env(project)
    revision = subprocess.run(
        [sys.executable, "-m", "crm_core.revision", "visit_photos", "visit photo table"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert revision.returncode == 0, revision.stdout + revision.stderr
    generated = list((project / "crm_visit_photos/migrations/versions").glob("*.py"))
    migration = next(p for p in generated if p.name != "__init__.py").read_text(encoding="utf-8")
    assert "create_table('vp_photo'" in migration.replace('"', "'")
    assert re.search(r"branch_labels\b.*= \('visit_photos',\)", migration.replace('"', "'"))
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    backends = 1 if os.environ.get("CRM_TEST_POSTGRES") == "skip" else 2
    assert f"{1 + 3 * backends} passed" in tests.stdout, tests.stdout[-2000:]
