"""Parts a plugin adds to the library API (`crm_register_api_parts`): `desk.<name>` is the part
built for that desk's unit of work, the same object the plugin's commands, scripts and the REST
API call."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from crm_core.foundation.errors import PluginError
from crm_core.hooks.registry import Collection

#: The parts the core's Desk has; a plugin may not take their names.
CORE_PARTS = frozenset(
    {
        "audit",
        "contacts",
        "customers",
        "demo_data",
        "fields",
        "files",
        "follow_ups",
        "interactions",
        "picklists",
        "products",
        "reports",
        "rollups",
        "rules",
        "settings",
        "sync",
        "teams",
        "tokens",
        "tracking",
        "trash",
        "users",
    }
)


@attrs.frozen
class ApiPart:
    """`desk.<name>` is `factory(ctx)`, built on first use and kept for the desk's unit of work.
    The factory is usually the part's class, whose `__init__` takes the Context."""

    name: str
    factory: Callable[[Any], object]
    description: str = ""


def _check(part: ApiPart, found: Mapping[str, ApiPart]) -> None:
    if not part.name.isidentifier() or part.name.startswith("_"):
        raise PluginError(f"API part name {part.name!r} must be a Python identifier")
    if part.name in CORE_PARTS or part.name in {"context", "user", "part"}:
        raise PluginError(f"API part name {part.name!r} is the core's")


API_PARTS: Collection[ApiPart] = Collection(
    "crm_register_api_parts", "API part", lambda p: p.name, _check
)
