"""The CLI's App for one request: the signed-in user acts, nobody else, and a read may not
write."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from crm_core.cli.app import App
from crm_core.foundation import i18n
from crm_core.foundation.errors import PermissionDenied
from crm_core.hooks.actor import Actor
from crm_core.hooks.context import Context
from crm_core.kernel.deployment import Deployment

if TYPE_CHECKING:
    from crm_core.api.crm import Crm


class ReadOnly(PermissionDenied):
    """A write asked for by a GET request or a read-only API token."""


class ServedApp(App):
    """Every unit of work acts as `actor`; `read_only` refuses any write. `--as` is refused:
    on the server, who acts is who signed in."""

    def __init__(
        self, deployment: Deployment, actor: Actor, language: str, *, read_only: str | None
    ) -> None:
        self._sealed = False
        super().__init__(None, actor.login, deployment.catalog)
        self._deployment = deployment
        self.actor = actor
        self.language = language
        #: Why writes are refused (a GET, a read token), or None.
        self.read_only = read_only
        self._sealed = True

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "as_login" and getattr(self, "_sealed", False):
            raise PermissionDenied(i18n._("On the server you act as yourself; --as is refused."))
        super().__setattr__(name, value)

    @property
    def deployment(self) -> Deployment:
        assert self._deployment is not None
        return self._deployment

    @property
    def crm(self) -> Crm:
        self._check_write()
        return super().crm

    def _check_write(self) -> None:
        if self.read_only is not None:
            raise ReadOnly(self.read_only)

    @contextmanager
    def work(self, *, write: bool = False) -> Iterator[Context]:
        if write:
            self._check_write()
        with self.deployment.work(self.actor, write=write, language=self.language) as ctx:
            translator = i18n.current()
            yield ctx
        self._speak(translator)

    def _speak(self, translator: i18n.Translator) -> None:
        from contextlib import ExitStack

        if self._speaking is None:
            self._speaking = ExitStack()
            self._speaking.enter_context(i18n.using(translator))

    def close(self) -> None:
        """The deployment is the server's: it stays open."""
        if self._speaking is not None:
            self._speaking.close()
            self._speaking = None
