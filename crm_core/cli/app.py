"""The CLI's shared state: the chosen database and acting user, opened lazily."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from crm_core.api.desk import Desk
from crm_core.foundation import i18n
from crm_core.hooks.context import Context
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.plugins import PluginCatalog

if TYPE_CHECKING:
    from crm_core.api.crm import Crm

F = TypeVar("F", bound=Callable[..., Any])


class App:
    def __init__(
        self, db: str | None, as_login: str | None, catalog: PluginCatalog | None = None
    ) -> None:
        self.db = db
        self.as_login = as_login
        self.catalog = catalog if catalog is not None else PluginCatalog()
        self._deployment: Deployment | None = None
        self._speaking: ExitStack | None = None

    @property
    def deployment(self) -> Deployment:
        """The deployment, which must exist (`crm init` first)."""
        return self.unchecked_deployment.require()

    @property
    def unchecked_deployment(self) -> Deployment:
        if self._deployment is None:
            self._deployment = Deployment(self.db, self.catalog)
        return self._deployment

    @property
    def crm(self) -> Crm:
        """The library API on this deployment (not to be closed: `close` disposes of it)."""
        from crm_core.api.crm import Crm

        return Crm(self.deployment)

    @contextmanager
    def work(self, *, write: bool = False) -> Iterator[Context]:
        with self.deployment.work(self.as_login, write=write) as ctx:
            translator = i18n.current()
            yield ctx
        # What the command prints after its unit of work (headers, values, messages) speaks the
        # deployment's language with every enabled plugin's translations, as the unit did.
        if self._speaking is None:
            self._speaking = ExitStack()
            self._speaking.enter_context(i18n.using(translator))

    @contextmanager
    def desk(self, *, write: bool = False) -> Iterator[Desk]:
        """The library API as the acting user, in one transaction (see crm_core.api)."""
        with self.work(write=write) as ctx:
            yield Desk(ctx)

    def close(self) -> None:
        if self._speaking is not None:
            self._speaking.close()
            self._speaking = None
        if self._deployment is not None:
            self._deployment.dispose()


pass_app = click.make_pass_decorator(App)
