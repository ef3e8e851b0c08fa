#!/usr/bin/env python3
"""The two commands of the quick start, needing nothing but Python 3.11+ and pip.

    python3 dev.py demo    build .venv if needed, then run the demo (examples/demo.py)
    python3 dev.py test    build .venv if needed, then ruff, ruff format --check, mypy and pytest

The virtual environment is rebuilt only when a pyproject.toml changed. Extra arguments after
`test` go to pytest (`python3 dev.py test -k visibility`); after `demo`, to the demo script.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
STAMP = VENV / ".crm-installed"

# The four distributions, plus the test-only plugin used to prove entry-point discovery.
EDITABLE = [
    ".[postgresql,dev]",
    "plugins/customer_resources",
    "plugins/project_sales",
    "plugins/channel_commerce",
    "tests/plugins/crm_test_plugin",
]


def _existing() -> list[str]:
    return [p for p in EDITABLE if (ROOT / p.split("[")[0] / "pyproject.toml").exists()]


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for spec in _existing():
        digest.update((ROOT / spec.split("[")[0] / "pyproject.toml").read_bytes())
    return digest.hexdigest()


def ensure_venv() -> None:
    if sys.version_info < (3, 11):
        sys.exit("crm needs Python 3.11 or newer (this is %s)" % sys.version.split()[0])
    if not PY.exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = _fingerprint()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    print("installing crm-core and plugins into .venv ...", flush=True)
    pip = [str(PY), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    args: list[str] = []
    for spec in _existing():
        args += ["-e", spec]
    subprocess.run(pip + args, cwd=ROOT, check=True)
    STAMP.write_text(wanted)


def run(cmd: list[str]) -> int:
    print("$ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT).returncode


def demo(extra: list[str]) -> int:
    return run([str(PY), "examples/demo.py", *extra])


def test(extra: list[str]) -> int:
    checks = [
        [str(BIN / "ruff"), "check", "."],
        [str(BIN / "ruff"), "format", "--check", "."],
        [str(BIN / "mypy")],
    ]
    if not extra:
        for check in checks:
            if run(check) != 0:
                return 1
    return run([str(PY), "-m", "pytest", *extra])


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test"}:
        print(__doc__)
        return 2
    ensure_venv()
    return {"demo": demo, "test": test}[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
