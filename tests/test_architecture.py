"""The structure holds: crm_core has no import cycle (type-only and late imports counted), its
layers import only downwards (the import-linter contract in pyproject.toml), and the shipped
plugins and the example reach crm_core only through the plugin contract."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_PACKAGES = [
    "crm_customer_resources",
    "crm_project_sales",
    "crm_channel_commerce",
    "crm_level_watch",
]


def _graph(*packages: str) -> grimp.ImportGraph:
    return grimp.build_graph(*packages, include_external_packages=False, cache_dir=None)


def _cycles(graph: grimp.ImportGraph, package: str) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    modules = sorted(m for m in graph.modules if m == package or m.startswith(package + "."))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(module: str) -> None:
        index[module] = low[module] = counter[0]
        counter[0] += 1
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in modules:
        if module not in index:
            visit(module)
    return found


def test_crm_core_has_no_import_cycle() -> None:
    assert _cycles(_graph("crm_core"), "crm_core") == []


def test_the_cycle_finder_finds_a_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "cyclic_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from cyclic_pkg import b\n"
    )
    (package / "b.py").write_text("def late():\n    from cyclic_pkg import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _cycles(_graph("cyclic_pkg"), "cyclic_pkg") == [["cyclic_pkg.a", "cyclic_pkg.b"]]


@pytest.mark.parametrize("package", PLUGIN_PACKAGES)
def test_a_shipped_plugin_imports_only_the_contract(package: str) -> None:
    pytest.importorskip(package)
    graph = _graph(package, "crm_core")
    reached = {
        imported
        for module in graph.find_descendants(package) | {package}
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.split(".")[0] == "crm_core"
    }
    outside = sorted(m for m in reached if not m.startswith("crm_core.contract"))
    assert outside == []


def test_nothing_in_the_core_imports_the_contract() -> None:
    graph = _graph("crm_core")
    contract = graph.find_descendants("crm_core.contract") | {"crm_core.contract"}
    importers = {
        importer
        for module in contract
        for importer in graph.find_modules_that_directly_import(module)
        if importer not in contract
    }
    assert importers == set()


def test_the_import_linter_contracts_are_kept() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(linter), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:]


HEAVY = ("matplotlib", "openpyxl", "python_calamine", "rapidfuzz", "jinja2", "alembic")


def _imported_after(code: str) -> set[str]:
    """The top-level packages a fresh interpreter holds after running `code`."""
    probe = code + "\nimport sys\nprint(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return set(done.stdout.split())


def test_opening_a_deployment_and_reading_imports_no_heavy_library(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'light.db'}"
    subprocess.run(
        [sys.executable, "-m", "crm_core.cli.main", "--db", url, "init", "--admin", "admin"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    imported = _imported_after(
        "from crm_core.api import Crm, CustomerQuery\n"
        f"with Crm.open({url!r}) as crm, crm.as_user('admin') as desk:\n"
        "    desk.customers.list(CustomerQuery(), limit=50)\n"
    )
    assert "sqlalchemy" in imported  # the probe did open the deployment
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))


def test_crm_version_imports_no_database_library() -> None:
    imported = _imported_after(
        "from crm_core.cli.main import run\ntry:\n    run(['--version'])\nexcept SystemExit:\n"
        "    pass\n"
    )
    assert "click" in imported
    assert "sqlalchemy" not in imported and "crm_core" in imported
