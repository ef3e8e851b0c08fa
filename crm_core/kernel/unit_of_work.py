"""One unit of work: a session in one transaction, the acting user, and the runtime snapshot
(hooks, registries, translations) it started with. The one implementation of
`crm_core.hooks.context.Context`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from crm_core.foundation.types import utcnow
from crm_core.hooks.actor import Actor
from crm_core.hooks.registry import Collection
from crm_core.hooks.settings import SETTINGS
from crm_core.kernel.runtime import RUNTIME_KEY
from crm_core.kernel.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from crm_core.hooks.context import Context
    from crm_core.kernel.plugins import HookRelay
    from crm_core.kernel.runtime import Runtime

T = TypeVar("T")


class UnitOfWork:
    """A Context (crm_core.hooks.context): made by `Deployment.work`, never by hand."""

    def __init__(
        self,
        session: Session,
        actor: Actor,
        runtime: Runtime,
        language: str,
        *,
        beside: Callable[[Actor, str], AbstractContextManager[Context]] | None = None,
        database_file: str | None = None,
    ) -> None:
        self.session = session
        self.actor = actor
        self.runtime = runtime
        self.language = language
        self._translator = runtime.translator(language)
        self._beside = beside
        self.database_file = database_file
        #: Audit rows written after the unit ends, committed or rolled back (`keep_audit`).
        self.kept_audit: list[dict[str, object]] = []

    def keep_audit(self, entry: dict[str, object]) -> None:
        """An audit row that outlives this unit: written in a transaction of its own once the
        unit has committed or rolled back (a refused registration still leaves its trace)."""
        self.kept_audit.append(entry)

    @property
    def hook(self) -> HookRelay:
        return self.runtime.hook

    @property
    def settings(self) -> Settings:
        return Settings(self.session, self.runtime.registry(SETTINGS), self._setting_changed)

    def _setting_changed(self, key: str, value: Any) -> None:
        self.hook.crm_setting_changed(ctx=self, key=key, value=value)

    def registry(self, collection: Collection[T]) -> Mapping[str, T]:
        return self.runtime.registry(collection)

    def is_enabled(self, plugin: str) -> bool:
        return self.runtime.is_enabled(plugin)

    def translate(self, text: str, **values: Any) -> str:
        return self._translator._(text, **values)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(str(self.settings.get("timezone")))

    def now(self) -> datetime:
        return utcnow()

    def today(self) -> date:
        """Today in the deployment's time zone."""
        return utcnow().astimezone(self.zone).date()

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def _like(self, actor: Actor, runtime: Runtime) -> UnitOfWork:
        return UnitOfWork(
            self.session,
            actor,
            runtime,
            self.language,
            beside=self._beside,
            database_file=self.database_file,
        )

    def with_runtime(self, runtime: Runtime) -> UnitOfWork:
        """The same transaction with another snapshot (the unit that enables or disables a
        plugin, once its change is written and before it commits)."""
        self.session.info[RUNTIME_KEY] = runtime
        return self._like(self.actor, runtime)

    def as_actor(self, actor: Actor) -> Context:
        return self._like(actor, self.runtime)

    def alongside(self) -> AbstractContextManager[Context] | None:
        if self._beside is None:
            return None
        return self._beside(self.actor, self.language)
