"""Routes a plugin adds to the REST API (`crm_register_routes`), beside the routes the server
reads off the plugin's commands: for answers no command gives (a dealer's credit at a glance,
a board of projects by stage). Datasette's `register_routes` is the model."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from crm_core.foundation.errors import PluginError
from crm_core.hooks.registry import Collection

METHODS = ("GET", "POST", "PATCH", "DELETE")
_PATH = re.compile(r"^/api/v1(/([a-z0-9_-]+|\{[a-z_]+\}))+$")


@attrs.frozen
class ApiRoute:
    """`METHOD path` answered by `handler(request)`.

    `path` starts with /api/v1 and may hold `{name}` segments. The handler gets a RouteRequest
    (crm_core.contract.server): `request.path_params`, `request.values` (query or JSON body),
    `request.desk()` for a unit of work as the signed-in user, and returns what becomes the
    JSON answer (records, dicts, lists); a CrmError it raises becomes a problem document. A GET
    route's desk cannot write; the others' are one transaction each.
    """

    method: str
    path: str
    handler: Callable[[Any], Any]
    summary: str
    summary_zh: str = ""
    #: Parameters it reads, by name: their description (for the OpenAPI document).
    parameters: Mapping[str, str] = attrs.field(factory=dict)

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def _check(route: ApiRoute, found: Mapping[str, ApiRoute]) -> None:
    if route.method not in METHODS:
        raise PluginError(f"route {route.path}: method must be one of {', '.join(METHODS)}")
    if not _PATH.match(route.path):
        raise PluginError(
            f"route {route.path!r}: a path under /api/v1 of lowercase words and {{name}} segments"
        )


API_ROUTES: Collection[ApiRoute] = Collection(
    "crm_register_routes", "route", lambda r: r.key, _check
)
