"""`crm serve`: the server the company's people sign in to."""

from __future__ import annotations

import logging
import sys

import click

from crm_core.cli.app import App, pass_app


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
@pass_app
def serve(app: App, host: str, port: int, workers: int, forwarded_allow_ips: str) -> None:
    """Serve this deployment: sign-in, the REST API under /api/v1 (OpenAPI at
    /api/openapi.json, docs at /api/docs), /healthz. Stops cleanly on Ctrl-C or SIGTERM,
    finishing the requests under way.  启动服务器。"""
    import uvicorn

    deployment = app.deployment
    url = deployment.engine.url.render_as_string(hide_password=False)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    click.echo(f"serving {deployment.label} on http://{host}:{port} (Ctrl-C stops)", err=True)
    import os

    os.environ["CRM_SERVE_DATABASE_URL"] = url
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
