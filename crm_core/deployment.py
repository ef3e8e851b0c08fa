"""A deployment: one database for one customer company, and the plugins enabled there.

Installed is not enabled. `crm_plugin_state` records which plugins this deployment enabled,
with version and dates; only those plugins' hooks run here. The plugin manager is built from
that record, in dependency order, once per Deployment (and again after enabling/disabling).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import attrs
import pluggy
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, sessionmaker

from crm_core import audit_trail, i18n, visibility
from crm_core.actor import SYSTEM, Actor
from crm_core.context import Context
from crm_core.db import WRITE_LOCK, make_engine, resolve_url, sqlite_path
from crm_core.errors import CrmError, NotFound, PluginError, ValidationError
from crm_core.models import PluginState, Setting, User, UserPermission
from crm_core.plugins import (
    HookRelay,
    InstalledPlugin,
    PluginCatalog,
    dependency_order,
    make_plugin_manager,
)
from crm_core.settings import SettingSpec
from crm_core.visibility import ACTOR_KEY

DEFAULT_ACTOR_SETTING = "default_actor"


@attrs.frozen
class PluginProblem:
    """An enabled plugin that cannot take part (missing, broken, or its requirement is)."""

    name: str
    reason: str


class Deployment:
    def __init__(self, url: str | None = None, catalog: PluginCatalog | None = None) -> None:
        self.url = resolve_url(url)
        self.engine = make_engine(self.url)
        self.catalog = catalog if catalog is not None else PluginCatalog()
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        visibility.install(self._sessions)
        audit_trail.install(self._sessions)
        self._pm: pluggy.PluginManager | None = None
        self._hook: HookRelay | None = None
        self._active: list[InstalledPlugin] = []
        self.problems: list[PluginProblem] = []
        self._setting_specs: dict[str, SettingSpec] | None = None
        self._permissions: dict[str, str] | None = None

    # -- existence -----------------------------------------------------------------------------

    def exists(self) -> bool:
        """True once `crm init` ran against this database."""
        path = sqlite_path(self.url)
        if path is not None and not os.path.exists(path):
            return False
        return inspect(self.engine).has_table(PluginState.__tablename__)

    def require(self) -> Deployment:
        if not self.exists():
            raise CrmError(i18n._("No deployment at {url}; run `crm init` first.", url=self.label))
        return self

    @property
    def label(self) -> str:
        return sqlite_path(self.url) or self.engine.url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()

    # -- plugins -------------------------------------------------------------------------------

    def plugin_states(self) -> dict[str, PluginState]:
        if not self.exists():
            return {}
        with self._sessions() as session:
            session.info[ACTOR_KEY] = SYSTEM
            return {row.name: row for row in session.scalars(select(PluginState))}

    def enabled_names(self) -> list[str]:
        return sorted(name for name, state in self.plugin_states().items() if state.enabled)

    @property
    def active_plugins(self) -> list[InstalledPlugin]:
        """Enabled plugins that loaded, in dependency order."""
        self._load()
        return list(self._active)

    @property
    def pm(self) -> pluggy.PluginManager:
        self._load()
        assert self._pm is not None
        return self._pm

    @property
    def hook(self) -> HookRelay:
        self._load()
        assert self._hook is not None
        return self._hook

    def reload_plugins(self, enabled: list[str] | None = None) -> None:
        """Forget the plugin manager; with `enabled`, build it at once for exactly those plugins
        (used while enabling, before the new state is committed)."""
        self._pm = self._hook = None
        self._setting_specs = self._permissions = None
        if enabled is not None:
            self._load(enabled)

    def _load(self, names: list[str] | None = None) -> None:
        if self._pm is not None:
            return
        enabled = self.enabled_names() if names is None else sorted(names)
        problems: list[PluginProblem] = []
        usable: dict[str, InstalledPlugin] = {}
        for name in enabled:
            found = self.catalog.installed.get(name)
            if found is None:
                problems.append(PluginProblem(name, "enabled here but not installed"))
            elif not found.ok:
                problems.append(PluginProblem(name, f"cannot be loaded: {found.error}"))
            else:
                usable[name] = found
        # A plugin whose requirement is not usable sits out too (and so do its dependants).
        changed = True
        while changed:
            changed = False
            for name, found in list(usable.items()):
                missing = [r for r in found.requires if r not in usable]
                if missing:
                    problems.append(
                        PluginProblem(name, f"requires {', '.join(missing)}, which is not active")
                    )
                    del usable[name]
                    changed = True
        order = dependency_order(usable, lambda n: usable[n].requires)
        self._active = [usable[name] for name in order]
        self.problems = problems
        self._pm = make_plugin_manager(self._active)
        self._hook = HookRelay(self._pm)
        self._register_translations()

    def _register_translations(self) -> None:
        assert self._hook is not None
        self._hook.crm_register_translations(register=i18n.add_translations)

    # -- registries collected from hooks -------------------------------------------------------

    @property
    def setting_specs(self) -> dict[str, SettingSpec]:
        if self._setting_specs is None:
            specs: dict[str, SettingSpec] = {}

            def register(spec: SettingSpec) -> None:
                if spec.key in specs:
                    raise PluginError(f"setting {spec.key!r} is registered twice")
                specs[spec.key] = spec

            self.hook.crm_register_settings(register=register)
            self._setting_specs = specs
        return self._setting_specs

    @property
    def permissions(self) -> dict[str, str]:
        if self._permissions is None:
            names: dict[str, str] = {}

            def register(name: str, description: str) -> None:
                names[name] = description

            self.hook.crm_register_permissions(register=register)
            self._permissions = names
        return self._permissions

    # -- units of work -------------------------------------------------------------------------

    def session(self, actor: Actor) -> Session:
        session = self._sessions()
        session.info[ACTOR_KEY] = actor
        return session

    @contextmanager
    def work(self, actor: Actor | str | None = None, *, write: bool = False) -> Iterator[Context]:
        """A Context in one transaction: committed at the end if `write`, else discarded.

        Any exception rolls everything back, hooks' writes included.
        """
        resolved = actor if isinstance(actor, Actor) else self.resolve_actor(actor)
        session = self.session(resolved)
        try:
            if write:
                session.connection(execution_options={WRITE_LOCK: True})
            yield Context(self, session, resolved)
            if write:
                session.commit()
            # A read-only unit simply closes: the pool rolls the connection back, and objects
            # already loaded stay readable (a rollback would expire them).
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def resolve_actor(self, login: str | None) -> Actor:
        """The user `login`, else the deployment's configured default actor (an admin)."""
        with self.session(SYSTEM) as session:
            if login is None:
                stored = session.get(Setting, DEFAULT_ACTOR_SETTING)
                if stored is None:
                    raise ValidationError("no acting user: pass --as LOGIN")
                login = str(stored.value)
            user = session.scalar(select(User).where(User.login == login))
            if user is None:
                raise NotFound(i18n._("No user {login}.", login=login))
            if not user.active:
                raise ValidationError(f"user {login} is deactivated")
            perms = session.scalars(
                select(UserPermission.permission).where(UserPermission.user_id == user.id)
            )
            return actor_from_user(user, frozenset(perms))


def actor_from_user(user: User, permissions: frozenset[str] = frozenset()) -> Actor:
    return Actor(
        id=user.id,
        login=user.login,
        name=user.name,
        role=user.role,
        team_id=user.team_id,
        permissions=permissions,
    )


def open_deployment(url: str | None = None, catalog: PluginCatalog | None = None) -> Deployment:
    """An existing deployment, or a one-line error telling how to create one."""
    return Deployment(url, catalog).require()


def describe(deployment: Deployment) -> dict[str, Any]:
    return {
        "database": deployment.label,
        "enabled": deployment.enabled_names(),
        "problems": [attrs.asdict(p) for p in deployment.problems],
    }
