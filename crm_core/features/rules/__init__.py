"""Automation rules: declared in the deployment, run inside the write that fires their event.

Plugins fire their own events with `fire(ctx, "project.stage_changed", ids)`; see
docs/customization.md for the rule language and docs/reference/hooks.md for the hooks.
"""

from crm_core.features.rules.engine import MAX_DEPTH, RuleLoopError, fire

__all__ = ["MAX_DEPTH", "RuleLoopError", "fire"]
