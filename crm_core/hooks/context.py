"""What a hook, a service or a plugin may rely on of a unit of work: `Context`.

A Context is one transaction as one user: the session (every ORM statement filtered by the
visibility policy), the acting user, the hooks of the plugins enabled in the deployment, its
settings, its time zone and the user's language. The kernel's `UnitOfWork` is the one
implementation; plugins and the core's services are typed against this protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from crm_core.hooks.actor import Actor
    from crm_core.hooks.registry import Collection
    from crm_core.hooks.settings import SettingSpec

T = TypeVar("T")


class Hooks(Protocol):
    """`ctx.hook.crm_x(**kwargs)` calls hook `crm_x` of every enabled plugin."""

    def __getattr__(self, hook_name: str) -> Callable[..., Any]: ...

    def collect(self, hook_name: str, **kwargs: Any) -> list[Any]:
        """Call a contribution hook and flatten what each plugin returned."""
        ...


class Settings(Protocol):
    """The deployment's settings, read and written in the unit's transaction."""

    @property
    def specs(self) -> Mapping[str, SettingSpec]: ...

    def get(self, key: str) -> Any: ...

    def set(self, key: str, raw: str) -> Any:
        """Parse `raw` with the setting's parser, store it, and return the parsed value."""
        ...

    def store(self, key: str, value: Any) -> None: ...

    def all(self) -> dict[str, Any]: ...


class Context(Protocol):
    """One unit of work: a session in one transaction, the acting user, hooks, settings."""

    @property
    def session(self) -> Session: ...

    @property
    def actor(self) -> Actor: ...

    @property
    def hook(self) -> Hooks: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def zone(self) -> ZoneInfo:
        """The deployment's time zone (setting `timezone`)."""
        ...

    @property
    def language(self) -> str:
        """The acting user's language for messages and labels: "zh" or "en"."""
        ...

    def keep_audit(self, entry: dict[str, object]) -> None:
        """Write this audit row after the unit ends, whether it commits or rolls back."""
        ...

    @property
    def kept_audit(self) -> Sequence[Mapping[str, object]]:
        """The rows `keep_audit` holds for after the unit ends."""
        ...

    def translate(self, text: str, **values: Any) -> str:
        """`text` in the unit's language, `{placeholders}` filled from `values`."""
        ...

    def now(self) -> datetime:
        """Now, timezone-aware UTC."""
        ...

    def today(self) -> date:
        """Today in the deployment's time zone."""
        ...

    def local(self, moment: datetime) -> datetime:
        """`moment` in the deployment's time zone."""
        ...

    def registry(self, collection: Collection[T]) -> Mapping[str, T]:
        """Everything the enabled plugins registered of `collection`, by key (gathered once per
        set of enabled plugins)."""
        ...

    def is_enabled(self, plugin: str) -> bool:
        """Whether `plugin` takes part in this deployment (enabled and loaded)."""
        ...

    def as_actor(self, actor: Actor) -> Context:
        """The same transaction seen as `actor` (a rule acting for the deployment)."""
        ...

    def alongside(self) -> AbstractContextManager[Context] | None:
        """Another read-only unit of work as the same user, on its own connection (work that
        runs beside this one, such as a dashboard's tiles); None when no other connection can
        read the database (an in-memory SQLite one)."""
        ...

    @property
    def database_file(self) -> str | None:
        """The SQLite file behind the deployment; None for PostgreSQL or an in-memory one."""
        ...
