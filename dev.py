#!/usr/bin/env python3
"""The two commands of the quick start, needing nothing but Python 3.11+ and pip.

    python3 dev.py demo    build .venv if needed, then run `crm demo --dir demo-output`
    python3 dev.py test    build .venv-test if needed, then ruff, ruff format --check, mypy,
                           the import-linter contracts and pytest; then the migration tests
                           again on the oldest Alembic that pyproject.toml allows; then, in
                           .venv-core (the core alone), the core's suite, and each plugin's
                           suite with only the core beside it

The demo runs in .venv with what an integrator installs (the core and the three plugins); the
tests run in .venv-test, which adds the dev tools and the test-only plugin distribution; .venv-core
holds the core, the dev tools and the test-only plugin, into which each plugin is installed in
turn for its own suite. Each is rebuilt only when a pyproject.toml changed. Extra arguments after `test` go to pytest
(`python3 dev.py test -k visibility`); after `demo`, to `crm demo` (`--lang zh`, `--db URL`).
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
PLUGINS = ["plugins/customer_resources", "plugins/project_sales", "plugins/channel_commerce"]
ENVIRONMENTS = {
    "demo": (ROOT / ".venv", [".[postgresql,cjk-fonts]", *PLUGINS]),
    "test": (
        ROOT / ".venv-test",
        [
            ".[postgresql,dev,cjk-fonts]",
            *PLUGINS,
            "tests/plugins/crm_test_plugin",
            "examples/plugins/crm-level-watch",
        ],
    ),
    "core": (ROOT / ".venv-core", [".[postgresql,dev,cjk-fonts]", "tests/plugins/crm_test_plugin"]),
}
#: The whole suite spreads over the machine's cores (pytest-xdist): each worker starts its own
#: PostgreSQL server and uses its own temporary files, so tests never share state.
PARALLEL = ["-n", "auto"]
#: Each plugin distribution and its tests, run with only the core installed beside it.
ALONE = [*PLUGINS, "examples/plugins/crm-level-watch"]


def _bin(venv_dir: Path) -> Path:
    return venv_dir / ("Scripts" if os.name == "nt" else "bin")


def _existing(specs: list[str]) -> list[str]:
    return [p for p in specs if (ROOT / p.split("[")[0] / "pyproject.toml").exists()]


def _fingerprint(specs: list[str]) -> str:
    digest = hashlib.sha256()
    for spec in specs:
        digest.update(spec.encode())
        digest.update((ROOT / spec.split("[")[0] / "pyproject.toml").read_bytes())
    return digest.hexdigest()


def ensure_venv(kind: str) -> Path:
    """Create (or refresh) the environment for `kind`; returns its bin directory."""
    if sys.version_info < (3, 11):
        sys.exit("crm needs Python 3.11 or newer (this is %s)" % sys.version.split()[0])
    venv_dir, wanted_specs = ENVIRONMENTS[kind]
    specs = _existing(wanted_specs)
    python = _bin(venv_dir) / "python"
    stamp = venv_dir / ".crm-installed"
    if not python.exists():
        print(f"creating {venv_dir.name} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(venv_dir)
    wanted = _fingerprint(specs)
    if stamp.exists() and stamp.read_text() == wanted:
        return _bin(venv_dir)
    print(f"installing {', '.join(specs)} into {venv_dir.name} ...", flush=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    args: list[str] = []
    for spec in specs:
        args += ["-e", spec]
    subprocess.run(pip + args, cwd=ROOT, check=True)
    stamp.write_text(wanted)
    return _bin(venv_dir)


def run(cmd: list[str]) -> int:
    print("$ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT).returncode


def demo(extra: list[str]) -> int:
    bindir = ensure_venv("demo")
    return run([str(bindir / "crm"), "demo", "--dir", "demo-output", *extra])


def test(extra: list[str]) -> int:
    bindir = ensure_venv("test")
    checks = [
        [str(bindir / "ruff"), "check", "."],
        [str(bindir / "ruff"), "format", "--check", "."],
        [str(bindir / "mypy")],
        [str(bindir / "lint-imports"), "--no-cache"],
    ]
    if not extra:
        for check in checks:
            if run(check) != 0:
                return 1
    code = run([str(bindir / "python"), "-m", "pytest", *(extra or PARALLEL)])
    if code != 0 or extra:
        return code
    return migrations_on_oldest_alembic(bindir) or suites_alone()


def suites_alone() -> int:
    """The core's suite with no plugin installed (the tests that enable a shipped plugin skip,
    saying which), then each plugin's suite with only the core: neither may lean on what the
    other environment happens to hold."""
    bindir = ensure_venv("core")
    python = str(bindir / "python")
    pip = [python, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    for path in ALONE:  # an interrupted run may have left one installed
        name = _distribution(path)
        subprocess.run([*pip, "uninstall", "-y", name], cwd=ROOT, capture_output=True)
    code = run([python, "-m", "pytest", "-q", *PARALLEL, "tests"])
    for path in ALONE:
        if code != 0:
            break
        code = run([*pip, "install", "--no-deps", "-e", path])
        if code == 0:
            code = run([python, "-m", "pytest", "-q", f"{path}/tests"])
        uninstalled = run([*pip, "uninstall", "-y", _distribution(path)])
        code = code or uninstalled
    return code


def _distribution(path: str) -> str:
    found = re.search(r'^name = "([^"]+)"', (ROOT / path / "pyproject.toml").read_text(), re.M)
    assert found is not None, path
    return found.group(1)


#: The tests that drive Alembic, run again on the oldest Alembic pyproject.toml allows.
ALEMBIC_TESTS = ["tests/test_migrations.py", "tests/test_revision.py"]


def migrations_on_oldest_alembic(bindir: Path) -> int:
    """Install the oldest allowed Alembic into the test environment, run ALEMBIC_TESTS, and put
    the newest back (the stamp is removed meanwhile, so an interrupted run rebuilds it)."""
    found = re.search(r'"alembic>=([\d.]+)', (ROOT / "pyproject.toml").read_text())
    if found is None:
        return 0
    pip = [str(bindir / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    stamp = bindir.parent / ".crm-installed"
    wanted = stamp.read_text() if stamp.exists() else None
    stamp.unlink(missing_ok=True)
    code = run([*pip, f"alembic=={found.group(1)}"])
    if code == 0:
        code = run([str(bindir / "python"), "-m", "pytest", "-q", *ALEMBIC_TESTS])
    restored = run([*pip, "--upgrade", f"alembic>={found.group(1)}"])
    if restored == 0 and wanted is not None:
        stamp.write_text(wanted)
    return code or restored


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test"}:
        print(__doc__)
        return 2
    return {"demo": demo, "test": test}[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
