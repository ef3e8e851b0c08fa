"""`crm serve`: the server the company's people sign in to."""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit, format_option
from crm_core.foundation.errors import ValidationError


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Worker processes (PostgreSQL; SQLite deployments serve well with one).",
)
@click.option(
    "--forwarded-allow-ips",
    default="127.0.0.1",
    show_default=True,
    help="Proxies (nginx) whose X-Forwarded-Proto and -For are believed: TLS there makes "
    "cookies Secure.",
)
@click.option(
    "--jobs/--no-jobs",
    default=True,
    show_default=True,
    help="Run the daily jobs (each once a day, whatever the number of workers).",
)
@pass_app
def serve(
    app: App, host: str, port: int, workers: int, forwarded_allow_ips: str, jobs: bool
) -> None:
    """Serve this deployment: sign-in, the REST API under /api/v1 (OpenAPI at
    /api/openapi.json, docs at /api/docs), /healthz. Stops cleanly on Ctrl-C or SIGTERM,
    finishing the requests under way.  启动服务器。"""
    import uvicorn

    _check_address(host, port, forwarded_allow_ips)
    deployment = app.deployment
    url = deployment.engine.url.render_as_string(hide_password=False)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    click.echo(f"serving {deployment.label} on http://{host}:{port} (Ctrl-C stops)", err=True)
    import os

    os.environ["CRM_SERVE_DATABASE_URL"] = url
    os.environ["CRM_SERVE_JOBS"] = "1" if jobs else "0"
    try:
        _run(uvicorn, host, port, workers, forwarded_allow_ips)
    except SystemExit as stopped:
        if stopped.code not in (0, None):
            raise ValidationError(
                f"the server could not start on {host}:{port}: is the address one of this "
                "machine's and the port free?"
            ) from None


def _check_address(host: str, port: int, proxies: str) -> None:
    """One line, before anything starts, for an address this machine cannot listen on or a
    proxy list that is not addresses."""
    import ipaddress
    import socket

    for item in proxies.split(","):
        item = item.strip()
        if item == "*":
            continue
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValidationError(
                f"--forwarded-allow-ips takes addresses or networks separated by commas, not {item[:40]!r}"
            ) from None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        family, kind, proto, _name, address = infos[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except (OSError, UnicodeError, ValueError) as exc:
        raise ValidationError(
            f"cannot listen on {host[:60]}:{port}: {getattr(exc, 'strerror', None) or exc}"
        ) from None


def _run(uvicorn: Any, host: str, port: int, workers: int, forwarded_allow_ips: str) -> None:
    uvicorn.run(
        "crm_core.server.asgi:application",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # the server logs its own line per request, without paths or queries
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        timeout_graceful_shutdown=30,
        log_level="info",
    )


@click.group("jobs")
def jobs_group() -> None:
    """The daily jobs `crm serve` runs: reminder digests, protection expiry, rollout
    snapshots.  定时任务。"""


@jobs_group.command("list")
@format_option
@pass_app
def jobs_list(app: App, fmt: str) -> None:
    """Each job, when it runs (local time) and its last run."""
    from crm_core.server import jobs

    latest = jobs.history(app.deployment)
    rows = []
    for job in jobs.JOBS:
        last = latest.get(job.name)
        rows.append(
            {
                "job": job.name,
                "at": job.at.strftime("%H:%M"),
                "what": job.summary,
                "last_run": last.slot if last else None,
                "finished_at": last.finished_at if last else None,
                "outcome": last.outcome if last else None,
            }
        )
    emit(rows, fmt, ["job", "at", "what", "last_run", "finished_at", "outcome"])


@jobs_group.command("run")
@click.argument("name")
@click.option("--again", is_flag=True, help="Run it even if it ran today.")
@pass_app
def jobs_run(app: App, name: str, again: bool) -> None:
    """Run a job now (as the server would at its time): once a day unless --again."""
    from crm_core.api.crm import Crm
    from crm_core.foundation.types import utcnow
    from crm_core.server import jobs

    found = jobs.job(name)
    crm = Crm(app.deployment)
    with app.deployment.work() as ctx:
        today = utcnow().astimezone(ctx.zone).date().isoformat()
    slot = f"manual-{utcnow().isoformat(timespec='seconds')}" if again else today
    outcome = jobs.run_job(crm, found, slot)
    if outcome is None:
        raise ValidationError(f"{name} ran today already; --again runs it once more")
    click.echo(f"{name}: {outcome}")
