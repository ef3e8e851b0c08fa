"""Waiting for a real `crm serve` to answer, shared by the tests that start one."""

from __future__ import annotations

import subprocess
import time

import httpx


def wait_until_healthy(process: subprocess.Popen[str], base: str, seconds: float = 60) -> None:
    """Return once `base`/healthz answers 200; fail with the server's stderr if it ended."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise AssertionError(process.stderr.read() if process.stderr else "serve ended")
        if time.monotonic() > deadline:
            raise AssertionError(f"crm serve did not answer /healthz within {seconds:.0f} s")
        time.sleep(0.2)
