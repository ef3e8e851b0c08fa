"""Events rules listen to: declared by the core and plugins, fired inside the write."""

from __future__ import annotations

from collections.abc import Mapping

from crm_core.foundation import i18n
from crm_core.foundation.errors import ValidationError
from crm_core.hooks.context import Context
from crm_core.hooks.rules import RULE_EVENTS, RuleEvent


def registry(ctx: Context) -> Mapping[str, RuleEvent]:
    """Every ruleevent the core and the enabled plugins registered, by name."""
    return ctx.registry(RULE_EVENTS)


def event_named(ctx: Context, name: str) -> RuleEvent:
    found = registry(ctx)
    if name not in found:
        raise ValidationError(
            i18n._("No event {event}; known: {known}.", event=name, known=", ".join(sorted(found)))
        )
    return found[name]
