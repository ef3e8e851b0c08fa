"""`crm demo`: replay a three-block rollout on a fresh deployment, leaving its files to open."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import click

from crm_core.cli.app import App, pass_app
from crm_core.demo import story
from crm_core.demo.runner import DemoRun
from crm_core.foundation.errors import ValidationError
from crm_core.kernel.deployment import Deployment


@click.command("demo")
@click.option(
    "--dir",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="crm-demo",
    show_default=True,
    help="Folder for the demo's database and the files it leaves to open.",
)
@click.option(
    "--db",
    "url",
    metavar="URL",
    help="An empty database to run on (default: DIR/demo.db, recreated each run).",
)
@click.option(
    "--lang", type=click.Choice(["en", "zh"]), help="Language of messages and table headers."
)
@pass_app
def demo(app: App, out_dir: Path, url: str | None, lang: str | None) -> None:
    """Replay a company's three-block rollout, step by step.  演示三块逐步上线的全过程。"""
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir.resolve()
    if url is None:
        database = out / "demo.db"
        for leftover in (database, *out.glob("demo.db-*")):
            leftover.unlink(missing_ok=True)
        url = f"sqlite:///{database}"
    else:
        probe = Deployment(url, app.catalog)
        try:
            if probe.exists():
                raise ValidationError(
                    f"{probe.label} already holds a deployment; the demo needs an empty database"
                )
        finally:
            probe.dispose()
    run = DemoRun(url, out, app.catalog)
    previous = os.environ.get("CRM_LANG")
    if lang:
        os.environ["CRM_LANG"] = lang
    try:
        story.tell(run)
    finally:
        if lang:
            _restore("CRM_LANG", previous)
    click.echo(f"\nDone. Database: {url}\nFiles to open, in {out}:")
    for path in run.files:
        click.echo(f"  {path.relative_to(out)}")
    if run.failures:
        for failure in run.failures:
            click.echo(f"failed: {failure}", err=True)
        raise ValidationError(f"{len(run.failures)} demo step(s) did not do what they say")
    click.echo("Every step did what it says.  每一步都符合预期。")
    _passwords(url, out, app)


def _passwords(url: str, out: Path, app: App) -> None:
    """Give the demo's fictional people passwords, print them and how to serve the demo."""
    from crm_core.api.crm import Crm

    lines = []
    with Crm.open(url, app.catalog) as crm, crm.as_user("admin", write=True) as desk:
        for user in desk.users.list():
            if not user.active:
                continue
            password = "demo-" + secrets.token_urlsafe(9)
            desk.users.set_password(user.login, password, must_change=False)
            lines.append(f"{user.login:<12} {password}   {user.name} ({user.role})")
    (out / "passwords.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    click.echo("\nServe it:  crm --db " + url + " serve   (then http://127.0.0.1:8000/api/docs)")
    click.echo("Sign in as (also in passwords.txt):")
    for line in lines:
        click.echo("  " + line)


def _restore(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
