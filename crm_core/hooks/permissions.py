"""A permission that can be granted to users (`crm users grant LOGIN PERMISSION`), as the core
and plugins declare it through `crm_register_permissions`."""

from __future__ import annotations

import attrs

from crm_core.hooks.registry import Collection


@attrs.frozen
class Permission:
    name: str
    description: str


PERMISSIONS: Collection[Permission] = Collection(
    "crm_register_permissions", "permission", lambda p: p.name, accept=Permission
)
