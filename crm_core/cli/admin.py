"""Deployment administration: init, upgrade, config, audit."""

from __future__ import annotations

import click
from sqlalchemy import select

from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit, format_option
from crm_core.features.rollups import maintenance as rollup_upkeep
from crm_core.foundation import i18n
from crm_core.foundation.errors import CrmError, PermissionDenied
from crm_core.kernel import lifecycle as rollout
from crm_core.kernel.models import AuditEntry, User


@click.command()
@click.option(
    "--admin", "admin_login", default="admin", show_default=True, help="Login of the first admin."
)
@click.option(
    "--admin-name", default="Admin", show_default=True, help="Display name of the first admin."
)
@pass_app
def init(app: App, admin_login: str, admin_name: str) -> None:
    """Create a deployment: the core tables and the first admin.  创建部署。"""
    deployment = app.unchecked_deployment
    rollout.initialise(deployment, admin_login, admin_name)
    click.echo(i18n._("Deployment initialised at {url}.", url=deployment.label))


@click.command()
@pass_app
def upgrade(app: App) -> None:
    """Migrate the core and every enabled plugin to the newest schema.  升级数据库结构。"""
    branches = rollout.upgrade(app.deployment)
    click.echo(i18n._("Up to date: {branches}.", branches=", ".join(branches)))


def config_group() -> click.Group:
    @click.group("config")
    def config() -> None:
        """Deployment settings (time zone, currency, plugin options).  系统设置。"""

    @config.command("list")
    @format_option
    @pass_app
    def config_list(app: App, fmt: str) -> None:
        """Every setting with its value and help."""
        with app.work() as ctx:
            specs = ctx.settings.specs
            rows = [
                {"key": k, "value": v, "help": specs[k].help} for k, v in ctx.settings.all().items()
            ]
        emit(rows, fmt, ["key", "value", "help"])

    @config.command("get")
    @click.argument("key")
    @pass_app
    def config_get(app: App, key: str) -> None:
        """Print one setting's value."""
        with app.work() as ctx:
            click.echo(ctx.settings.get(key))

    @config.command("set")
    @click.argument("key")
    @click.argument("value")
    @pass_app
    def config_set(app: App, key: str, value: str) -> None:
        """Change a setting (admins only); the value is checked first."""
        with app.work(write=True) as ctx:
            if not ctx.actor.is_admin:
                raise PermissionDenied("only an admin may change settings")
            parsed = ctx.settings.set(key, value)
        click.echo(f"{key} = {parsed}")

    return config


@click.command("audit")
@click.option("--entity", help="Table name, e.g. crm_customer.")
@click.option("--id", "entity_id", help="Record id within the entity.")
@click.option("--limit", default=50, show_default=True)
@format_option
@pass_app
def audit(app: App, entity: str | None, entity_id: str | None, limit: int, fmt: str) -> None:
    """The audit log, newest first (admins, or holders of audit-reader).  审计日志。"""
    with app.work() as ctx:
        if not ctx.actor.has("audit-reader"):
            raise PermissionDenied(f"{ctx.actor.login} may not read the audit log")
        query = (
            select(AuditEntry, User.login)
            .outerjoin(User, User.id == AuditEntry.actor_id)
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        )
        if entity:
            query = query.where(AuditEntry.entity == entity)
        if entity_id:
            query = query.where(AuditEntry.entity_id == entity_id)
        rows = [
            {
                "at": ctx.local(a.at).strftime("%Y-%m-%d %H:%M:%S"),
                "user": login or "system",
                "action": a.action,
                "entity": a.entity,
                "id": a.entity_id,
                "field": a.field,
                "old": a.old_value,
                "new": a.new_value,
            }
            for a, login in ctx.session.execute(query)
        ]
    emit(rows, fmt, ["at", "user", "action", "entity", "id", "field", "old", "new"])


def rollups_group() -> click.Group:
    @click.group("rollups")
    def rollups() -> None:
        """Pre-aggregated totals that reports read (admins).  汇总表。"""

    @rollups.command("status")
    @click.argument("names", nargs=-1)
    @click.option("--check", is_flag=True, help="Compare each rollup with its source rows.")
    @format_option
    @pass_app
    def status(app: App, names: tuple[str, ...], check: bool, fmt: str) -> None:
        """Each rollup's rows and build time; --check exits 1 if one differs from its source."""
        with app.work() as ctx:
            found = rollup_upkeep.status(ctx, names, check=check)
        columns = ["rollup", "rows", "built_at"] + (["differing"] if check else [])
        emit(
            [
                {"rollup": s.name, "rows": s.rows, "built_at": s.built_at, "differing": s.differing}
                for s in found
            ],
            fmt,
            columns,
        )
        wrong = [s.name for s in found if s.differing]
        if wrong:
            raise CrmError(
                i18n._("rollup differs from its source: {names}", names=", ".join(wrong))
            )

    @rollups.command("rebuild")
    @click.argument("names", nargs=-1)
    @pass_app
    def rebuild(app: App, names: tuple[str, ...]) -> None:
        """Recompute rollups (all, or those named) from their source rows, in one transaction."""
        with app.work(write=True) as ctx:
            sizes = rollup_upkeep.rebuild(ctx, names)
        for name, rows in sizes.items():
            click.echo(i18n._("{name}: {rows} rows", name=name, rows=f"{rows:,}"))

    return rollups


def register(cli: click.Group) -> None:
    cli.add_command(init)
    cli.add_command(upgrade)
    cli.add_command(config_group())
    cli.add_command(audit)
    cli.add_command(rollups_group())
    cli.add_command(seed_demo)


@click.command("seed-demo")
@click.option(
    "--scale",
    type=click.IntRange(0, 100_000),
    default=1,
    show_default=True,
    help="60 customers per unit, with contacts and interactions; 0: the organisation only.",
)
@click.option("--seed", "seed_value", type=int, default=2026, show_default=True)
@pass_app
def seed_demo(app: App, scale: int, seed_value: int) -> None:
    """Fill the deployment with generated, fictional demo data (admins only).  生成演示数据。"""
    from crm_core.features import demo_data as demo

    with app.work(write=True) as ctx:
        counts = demo.seed(ctx, scale=scale, seed_value=seed_value)
    click.echo(", ".join(f"{v} {k}" for k, v in counts.items()))
