"""`crm serve` for real: a server process on 127.0.0.1 that people sign in to over HTTP, and
that stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from typing import Any

import httpx
import pytest

from crm_core.kernel.deployment import Deployment
from tests.server.conftest import FIRST, OWN, SECRET_NAME, seed
from tests.server.serving import wait_until_healthy


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_signs_in_over_http_and_stops_on_sigterm(crm_deployment: Deployment) -> None:
    seed(crm_deployment)
    port = _free_port()
    env = {**os.environ, "CRM_LANG": "en"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crm_core.cli.main",
            "--db",
            crm_deployment.url,
            "serve",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(process, base)
        with httpx.Client(base_url=base, timeout=30) as client:
            signed = client.post("/api/v1/session", json={"login": "li", "password": FIRST})
            assert signed.status_code == 201, signed.text
            csrf = {"x-csrf-token": signed.json()["csrf_token"]}
            changed = client.post(
                "/api/v1/session/password", json={"current": FIRST, "new": OWN}, headers=csrf
            )
            assert changed.status_code == 204
            listed = client.get("/api/v1/customers")
            assert listed.status_code == 200
            assert [c["name"] for c in listed.json()] == [SECRET_NAME]
            assert client.get("/api/v1/session").json()["login"] == "li"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            _out, err = process.communicate(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    # uvicorn finishes the requests under way, shuts the application down, then ends by the
    # signal it was sent (as systemd expects of a service stopped with SIGTERM).
    assert process.returncode in (0, -signal.SIGTERM), err
    assert "Application shutdown complete" in err
    access = [line for line in err.splitlines() if line.startswith("{") and '"route"' in line]
    assert len(access) >= 4
    assert SECRET_NAME not in err and FIRST not in err and OWN not in err


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--host", "no-such-host.invalid"], "cannot listen on no-such-host.invalid"),
        (["--host", "名" * 300], "cannot listen on"),
        (["--host", "\x00"], "contains a NUL character"),
        (["--forwarded-allow-ips", "[[["], "--forwarded-allow-ips takes addresses"),
        (["--forwarded-allow-ips", "10.0.0.0/8, nginx"], "not 'nginx'"),
    ],
)
def test_serve_refuses_what_it_cannot_listen_on_in_one_line_before_starting(
    crm_cli: Any, args: list[str], reason: str
) -> None:
    refused = crm_cli("serve", "--port", str(_free_port()), *args)
    assert refused.exit_code in (1, 2), (refused.exit_code, refused.stderr)
    assert reason in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1


def test_serve_refuses_a_port_another_program_listens_on(crm_cli: Any) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = crm_cli("serve", "--port", str(port))
    assert refused.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
