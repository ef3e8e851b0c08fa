"""Creating a deployment, enabling and disabling plugins, and upgrading: one block at a time.

Each step tells the features and plugins through lifecycle events (`crm_migrations_starting`,
`crm_deployment_migrated`, `crm_plugin_enabled`, `crm_plugin_disabled`), so whatever derives
its state from the schema or the set of plugins (the rollups) keeps itself in step; the kernel
calls no feature. Enabling and disabling run in one transaction; the deployment's runtime
snapshot is replaced only once it committed.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from crm_core.foundation.errors import CrmError, PermissionDenied, PluginError
from crm_core.foundation.types import utcnow
from crm_core.hooks.actor import SYSTEM, Actor
from crm_core.kernel import migrate
from crm_core.kernel.deployment import DEFAULT_ACTOR_SETTING, Deployment
from crm_core.kernel.models import PluginState, Setting, User
from crm_core.kernel.plugins import CORE, dependency_order
from crm_core.kernel.runtime import Runtime


def initialise(
    deployment: Deployment, admin_login: str = "admin", admin_name: str = "Admin"
) -> None:
    """Create the core tables and the first admin, who becomes the default acting user."""
    if deployment.exists():
        raise CrmError(f"a deployment already exists at {deployment.label}")
    runtime = deployment.runtime_for([])
    migrate.upgrade(deployment.engine, deployment.catalog, [CORE], _starting(runtime))
    deployment.refresh()
    with deployment.work(SYSTEM, write=True) as ctx:
        ctx.session.add(User(login=admin_login, name=admin_name, role="admin"))
        ctx.session.add(Setting(key=DEFAULT_ACTOR_SETTING, value=admin_login))
        ctx.session.flush()
        ctx.hook.crm_deployment_migrated(ctx=ctx)


def _starting(runtime: Runtime) -> migrate.Starting:
    def starting(connection: Connection) -> None:
        runtime.hook.crm_migrations_starting(connection=connection)

    return starting


def upgrade(deployment: Deployment) -> list[str]:
    """Migrate the core and every enabled plugin to their heads; returns the branches."""
    deployment.require()
    for state_name in deployment.enabled_names():
        deployment.catalog.usable(state_name)  # refuse clearly before touching anything
    branches = [CORE] + [
        p.name for p in deployment.active_plugins if p.spec is not None and p.spec.migrations
    ]
    migrate.upgrade(deployment.engine, deployment.catalog, branches, _starting(deployment.runtime))
    with deployment.work(SYSTEM, write=True) as ctx:
        ctx.hook.crm_deployment_migrated(ctx=ctx)
    return branches


def plan_enable(deployment: Deployment, names: list[str], with_deps: bool) -> list[str]:
    """The plugins to enable, requirements first; refuses missing or cyclic requirements."""
    enabled = set(deployment.enabled_names())
    wanted: set[str] = set()
    pending = list(names)
    while pending:
        name = pending.pop()
        if name in wanted:
            continue
        found = deployment.catalog.usable(name)
        wanted.add(name)
        for required in found.requires:
            if required in enabled or required in wanted:
                continue
            if required not in names and not with_deps:
                raise PluginError(
                    f"plugin {name!r} requires {required!r}: enable it first or pass --with-deps"
                )
            pending.append(required)
    return dependency_order(
        wanted, lambda n: [r for r in deployment.catalog.usable(n).requires if r in wanted]
    )


def _has_migrations(deployment: Deployment, name: str) -> bool:
    spec = deployment.catalog.usable(name).spec
    return spec is not None and spec.migrations is not None


def enable(
    deployment: Deployment, actor: Actor, names: list[str], *, with_deps: bool = False
) -> list[str]:
    """Run each plugin's migrations, record it as enabled, fire `crm_plugin_enabled`.

    All in one transaction: a failure anywhere leaves the deployment as it was.
    """
    deployment.require()
    if not actor.is_admin:
        raise PermissionDenied("only an admin may enable plugins")
    order = plan_enable(deployment, names, with_deps)
    before = deployment.enabled_names()
    after = sorted(set(before) | set(order))
    with deployment.work(actor, write=True) as ctx:
        runtime = deployment.runtime_for(after)  # the plugins being enabled take part
        config = migrate.alembic_config(
            deployment.catalog, ctx.session.connection(), _starting(runtime)
        )
        migrate.upgrade_branches(config, [n for n in order if _has_migrations(deployment, n)])
        for name in order:
            spec = deployment.catalog.usable(name).spec
            assert spec is not None
            now = utcnow()
            state = ctx.session.get(PluginState, name)
            if state is None:
                ctx.session.add(
                    PluginState(
                        name=name,
                        version=spec.version,
                        enabled=True,
                        first_enabled_at=now,
                        enabled_at=now,
                    )
                )
            elif not state.enabled or state.version != spec.version:
                if not state.enabled:
                    state.enabled_at = now
                state.enabled = True
                state.version = spec.version
                state.disabled_at = None
        ctx.session.flush()
        enabled = ctx.with_runtime(runtime)
        for name in order:
            enabled.hook.crm_plugin_enabled(ctx=enabled, name=name)
    deployment.refresh()
    return order


def disable(deployment: Deployment, actor: Actor, name: str) -> None:
    """Stop a plugin's hooks here. Refused while an enabled plugin requires it; drops no data."""
    deployment.require()
    if not actor.is_admin:
        raise PermissionDenied("only an admin may disable plugins")
    states = deployment.plugin_states()
    if name not in states or not states[name].enabled:
        raise PluginError(f"plugin {name!r} is not enabled here")
    dependants = []
    for other, state in states.items():
        if other == name or not state.enabled:
            continue
        found = deployment.catalog.installed.get(other)
        if found is not None and name in found.requires:
            dependants.append(other)
    if dependants:
        raise PluginError(
            f"plugin {name!r} is required by enabled plugin(s) {', '.join(sorted(dependants))}; "
            "disable those first"
        )
    remaining = sorted(n for n, state in states.items() if state.enabled and n != name)
    with deployment.work(actor, write=True) as ctx:
        current = ctx.session.scalar(select(PluginState).where(PluginState.name == name))
        assert current is not None
        current.enabled = False
        current.disabled_at = utcnow()
        ctx.session.flush()
        disabled = ctx.with_runtime(deployment.runtime_for(remaining))
        disabled.hook.crm_plugin_disabled(ctx=disabled, name=name)
    deployment.refresh()
