"""A deployment: one database for one customer company, and the plugins enabled there.

Installed is not enabled. `crm_plugin_state` records which plugins this deployment enabled,
with version and dates; only those plugins' hooks run here, beside the core's features. What
they add up to is a `Runtime` snapshot, built once per set of enabled plugins and shared by
every thread: each unit of work checks, in its own transaction, that the snapshot matches the
plugin states it sees (another process may have enabled a plugin) and keeps it to its end; a
new snapshot replaces the old one atomically.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import attrs
from sqlalchemy import insert, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from crm_core.foundation import i18n
from crm_core.foundation.errors import CrmError, NotFound, ValidationError
from crm_core.foundation.schema import table_of
from crm_core.foundation.types import utcnow
from crm_core.hooks.actor import SYSTEM, Actor
from crm_core.hooks.permissions import PERMISSIONS
from crm_core.hooks.settings import SETTINGS, SettingSpec
from crm_core.kernel import audit_trail, visibility
from crm_core.kernel.db import WRITE_LOCK, make_engine, resolve_url, sqlite_path
from crm_core.kernel.models import AuditEntry, PluginState, Setting, User, UserPermission
from crm_core.kernel.plugins import HookRelay, InstalledPlugin, PluginCatalog
from crm_core.kernel.runtime import RUNTIME_KEY, PluginProblem, Runtime, build_runtime
from crm_core.kernel.unit_of_work import UnitOfWork
from crm_core.kernel.visibility import ACTOR_KEY

DEFAULT_ACTOR_SETTING = "default_actor"

__all__ = ["DEFAULT_ACTOR_SETTING", "RUNTIME_KEY", "Deployment", "PluginProblem"]

_states = PluginState.__table__


def _fingerprint(rows: Any) -> tuple[Any, ...]:
    return tuple(sorted((name, bool(enabled), version) for name, enabled, version in rows))


class Deployment:
    """One database and its plugins; safe to share between threads."""

    def __init__(self, url: str | None = None, catalog: PluginCatalog | None = None) -> None:
        self.url = resolve_url(url)
        self.engine = make_engine(self.url)
        self.catalog = catalog if catalog is not None else PluginCatalog()
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        visibility.install(self._sessions)
        audit_trail.install(self._sessions)
        self._runtime: Runtime | None = None
        self._building = threading.Lock()

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

    @property
    def database_file(self) -> str | None:
        return sqlite_path(self.url)

    @property
    def shares_connections(self) -> bool:
        """Whether another connection sees this database (not an in-memory SQLite one)."""
        url = self.engine.url
        return not (url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"))

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
    def runtime(self) -> Runtime:
        """The current snapshot (built from the plugin states when there is none yet)."""
        current = self._runtime
        if current is None:
            current = self.refresh()
        return current

    def refresh(self) -> Runtime:
        """Read the plugin states and swap in a snapshot of them unless the current one is."""
        if not self.exists():
            return self._swap(())
        with self.engine.connect() as connection:
            rows = connection.execute(select(_states.c.name, _states.c.enabled, _states.c.version))
            return self._swap(_fingerprint(rows))

    def _swap(self, fingerprint: tuple[Any, ...]) -> Runtime:
        current = self._runtime
        if current is not None and current.fingerprint == fingerprint:
            return current
        with self._building:
            current = self._runtime
            if current is None or current.fingerprint != fingerprint:
                enabled = [name for name, on, _version in fingerprint if on]
                current = build_runtime(self.catalog, enabled, fingerprint)
                self._runtime = current
        return current

    def runtime_for(self, enabled: list[str]) -> Runtime:
        """A snapshot of exactly the plugins `enabled`, not made current (for the unit of work
        that enables or disables a plugin, before its change commits)."""
        return build_runtime(self.catalog, enabled)

    @property
    def hook(self) -> HookRelay:
        return self.runtime.hook

    @property
    def active_plugins(self) -> list[InstalledPlugin]:
        """Enabled plugins that loaded, in dependency order."""
        return list(self.runtime.plugins)

    @property
    def problems(self) -> list[PluginProblem]:
        return list(self.runtime.problems)

    @property
    def setting_specs(self) -> dict[str, SettingSpec]:
        return dict(self.runtime.registry(SETTINGS))

    @property
    def permissions(self) -> dict[str, str]:
        return {p.name: p.description for p in self.runtime.registry(PERMISSIONS).values()}

    # -- units of work -------------------------------------------------------------------------

    def session(self, actor: Actor) -> Session:
        session = self._sessions()
        session.info[ACTOR_KEY] = actor
        return session

    @contextmanager
    def work(
        self,
        actor: Actor | str | None = None,
        *,
        write: bool = False,
        language: str | None = None,
    ) -> Iterator[UnitOfWork]:
        """A Context in one transaction: committed at the end if `write`, else discarded.

        `actor` is an Actor, a login, or None for the deployment's default actor. Any exception
        rolls everything back, hooks' writes included. Messages inside are in `language` (by
        default the environment's).
        """
        session = self.session(actor if isinstance(actor, Actor) else SYSTEM)
        ctx: UnitOfWork | None = None
        try:
            connection = session.connection(execution_options={WRITE_LOCK: True} if write else {})
            states = connection.execute(
                select(_states.c.name, _states.c.enabled, _states.c.version)
            )
            runtime = self._swap(_fingerprint(states))
            resolved = actor if isinstance(actor, Actor) else self._actor(session, actor)
            session.info[ACTOR_KEY] = resolved
            session.info[RUNTIME_KEY] = runtime
            lang = language or i18n.environment_language()
            ctx = UnitOfWork(
                session,
                resolved,
                runtime,
                lang,
                beside=self._beside if self.shares_connections else None,
                database_file=self.database_file,
            )
            with i18n.using(runtime.translator(lang)):
                yield ctx
                if write:
                    session.commit()
            # A read-only unit simply closes: the pool rolls the connection back, and objects
            # already loaded stay readable (a rollback would expire them).
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
            if ctx is not None and ctx.kept_audit:
                failing = sys.exc_info()[1] is not None
                try:
                    self._write_kept(ctx)
                except Exception:
                    if not failing:  # the unit's own error, if any, is the one to report
                        raise

    def _write_kept(self, ctx: UnitOfWork) -> None:
        at = utcnow()
        rows = [
            {
                "at": at,
                "actor_id": ctx.actor.id,
                "field": None,
                "old_value": None,
                "new_value": None,
                **entry,
            }
            for entry in ctx.kept_audit
        ]
        # A writer's transaction like any other: on SQLite it takes the write lock at BEGIN
        # (IMMEDIATE), so it waits its turn instead of failing as "database is locked".
        locked = self.engine.connect().execution_options(**{WRITE_LOCK: True})
        with locked as connection, connection.begin():
            connection.execute(insert(table_of(AuditEntry)), rows)

    def _beside(self, actor: Actor, language: str) -> AbstractContextManager[UnitOfWork]:
        return self.work(actor, language=language)

    def resolve_actor(self, login: str | None) -> Actor:
        """The user `login`, else the deployment's configured default actor (an admin)."""
        with self.session(SYSTEM) as session:
            return self._actor(session, login)

    def _actor(self, session: Session, login: str | None) -> Actor:
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
