"""A real `crm serve` on 127.0.0.1 over a seeded SQLite deployment, and a real browser: Debian's
chromium driven by Playwright (its own browser download is not used). Without chromium the
browser tests skip, except under CI, where they are required."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from crm_core.api.crm import Crm
from crm_core.api.users import NewUser
from crm_core.kernel import lifecycle
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.plugins import PluginCatalog
from tests.server.conftest import OWN, seed
from tests.server.serving import wait_until_healthy


@attrs.frozen
class Served:
    base: str
    deployment: Deployment
    secret_id: int

    def reset_password(self, login: str, password: str, *, must_change: bool) -> None:
        with Crm(self.deployment).as_user("admin", write=True) as desk:
            desk.users.set_password(login, password, must_change=must_change)


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        executable = None
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("the browser tests need chromium and playwright (.ci/run installs them)")
        pytest.skip("chromium or playwright is not installed")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder: Path = tmp_path_factory.mktemp("served")
    url = f"sqlite:///{folder / 'crm.db'}"
    deployment = Deployment(url, PluginCatalog())
    lifecycle.initialise(deployment)
    secret_id = seed(deployment)
    with Crm(deployment).as_user("admin", write=True) as desk:
        desk.users.add(NewUser("zhao", "赵强", "sales", "East"))
        for login in ("li", "wang"):
            desk.users.set_password(login, OWN, must_change=False)
    port = _free_port()
    env = {**os.environ, "CRM_LANG": "zh"}
    command = [sys.executable, "-m", "crm_core.cli.main", "--db", url, "serve"]
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(process, base)
        yield Served(base, deployment, secret_id)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        deployment.dispose()
