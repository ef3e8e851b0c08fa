"""Plugins' routes (`crm_register_routes`) as the server serves them, and the request their
handlers get."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import attrs

from crm_core.api.crm import Crm
from crm_core.api.desk import Desk
from crm_core.foundation import i18n
from crm_core.foundation.errors import PermissionDenied, ValidationError
from crm_core.hooks.actor import Actor
from crm_core.hooks.routes import API_ROUTES, ApiRoute
from crm_core.kernel.deployment import Deployment
from crm_core.server.command_routes import compile_path


@attrs.frozen
class PluginRoute:
    method: str
    path: str
    handler: Callable[[RouteRequest], Any]
    summary: str
    parameters: Mapping[str, str]
    pattern: re.Pattern[str] = attrs.field(eq=False, repr=False)

    @property
    def reads(self) -> bool:
        return self.method == "GET"

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def creates(self) -> bool:
        return False


class RouteRequest:
    """What a plugin's route handler gets: the parameters, and units of work as the signed-in
    user (read-only on a GET)."""

    def __init__(
        self,
        deployment: Deployment,
        actor: Actor,
        language: str,
        path_params: Mapping[str, str],
        values: Mapping[str, Any],
        reads: bool,
    ) -> None:
        self._deployment = deployment
        self.actor = actor
        self.language = language
        self.path_params = dict(path_params)
        self.values = dict(values)
        self._reads = reads

    def value(self, name: str, default: Any = None) -> Any:
        """A path parameter, query parameter or body field."""
        return self.path_params.get(name, self.values.get(name, default))

    def number(self, name: str) -> int:
        text = str(self.value(name, ""))
        if not text.lstrip("-").isdigit():
            raise ValidationError(i18n._("{name} must be a whole number.", name=name))
        return int(text)

    @contextmanager
    def desk(self, *, write: bool = False) -> Iterator[Desk]:
        if write and self._reads:
            raise PermissionDenied(i18n._("A GET only reads; this would change data."))
        crm = Crm(self._deployment)
        with crm.as_user(self.actor.login, write=write, language=self.language) as desk:
            yield desk


def plugin_routes(runtime: Any) -> list[PluginRoute]:
    found: Mapping[str, ApiRoute] = runtime.registry(API_ROUTES)
    routes = [
        PluginRoute(
            r.method,
            r.path,
            r.handler,
            r.summary,
            dict(r.parameters),
            compile_path(r.path),
        )
        for r in found.values()
    ]
    return sorted(routes, key=lambda r: (r.path.count("{"), r.path))
