"""`crm plugins`: what is installed, what this deployment enabled, and changing that."""

from __future__ import annotations

from typing import Any

import click

from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit, emit_object, format_option
from crm_core.foundation import i18n
from crm_core.kernel import lifecycle as rollout


def _rows(app: App) -> list[dict[str, Any]]:
    deployment = app.unchecked_deployment
    states = deployment.plugin_states()
    problems = {p.name: p.reason for p in deployment.problems} if states else {}
    if states:
        deployment.active_plugins  # noqa: B018  (loads plugins, filling `problems`)
        problems = {p.name: p.reason for p in deployment.problems}
    rows: list[dict[str, Any]] = []
    names = sorted(set(app.catalog.installed) | set(states))
    for name in names:
        found = app.catalog.installed.get(name)
        state = states.get(name)
        status = "ok"
        if found is None:
            status = "not installed"
        elif not found.ok:
            status = f"broken: {found.error}"
        elif name in problems:
            status = problems[name]
        rows.append(
            {
                "name": name,
                "title": found.spec.title if found and found.spec else "",
                "version": found.version if found else (state.version if state else "?"),
                "installed": found is not None,
                "enabled": bool(state and state.enabled),
                "enabled_at": state.enabled_at.date().isoformat()
                if state and state.enabled
                else None,
                "requires": list(found.requires) if found else [],
                "distribution": found.distribution if found else None,
                "status": status,
            }
        )
    return rows


def plugins_group() -> click.Group:
    @click.group("plugins")
    def plugins() -> None:
        """Business blocks: list, enable, disable.  业务模块（插件）。"""

    @plugins.command("list")
    @format_option
    @pass_app
    def plugins_list(app: App, fmt: str) -> None:
        """Installed plugins and whether this deployment enabled them."""
        emit(
            _rows(app),
            fmt,
            [
                "name",
                "title",
                "version",
                "installed",
                "enabled",
                "enabled_at",
                "requires",
                "status",
            ],
        )

    @plugins.command("info")
    @click.argument("name")
    @format_option
    @pass_app
    def plugins_info(app: App, name: str, fmt: str) -> None:
        """Everything known about one plugin."""
        found = app.catalog.get(name)
        record = next((r for r in _rows(app) if r["name"] == name), {})
        if found.spec is not None:
            record = {
                **record,
                "title_zh": found.spec.title_zh,
                "description": found.spec.description,
                "tables": [t.name for t in found.spec.tables()],
                "migrations": found.spec.migrations,
            }
        emit_object(record, fmt)

    @plugins.command("enable")
    @click.argument("names", nargs=-1, required=True)
    @click.option("--with-deps", is_flag=True, help="Also enable the plugins these require.")
    @pass_app
    def plugins_enable(app: App, names: tuple[str, ...], with_deps: bool) -> None:
        """Run the plugins' migrations and enable them here (admins only)."""
        deployment = app.deployment
        actor = deployment.resolve_actor(app.as_login)
        order = rollout.enable(deployment, actor, list(names), with_deps=with_deps)
        click.echo(i18n._("Enabled {names}.", names=", ".join(order)))

    @plugins.command("disable")
    @click.argument("name")
    @pass_app
    def plugins_disable(app: App, name: str) -> None:
        """Stop a plugin here; every row of its data is kept for re-enabling."""
        deployment = app.deployment
        rollout.disable(deployment, deployment.resolve_actor(app.as_login), name)
        click.echo(i18n._("Disabled {name}; its data is kept.", name=name))

    return plugins


def command() -> click.Command:
    return plugins_group()
