"""The pluggy markers of the crm project: `@hookimpl` marks a plugin's implementation of a hook,
`@hookspec` declares one (crm_core.hooks.specs)."""

from __future__ import annotations

import pluggy

PROJECT = "crm"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
