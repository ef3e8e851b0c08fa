"""Events rules listen to: declared by the core and plugins, fired inside the write."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import attrs

from crm_core import i18n
from crm_core.context import Context
from crm_core.errors import PluginError, ValidationError


@attrs.frozen
class RuleEvent:
    """`name` ("customer.created") fires for records of `entity` ("customers").

    A periodic event (e.g. "order.overdue") has no writer to fire it: `sweep(ctx, day)` returns
    the ids it holds for on `day`, and `crm rules sweep` fires it.
    """

    name: str
    entity: str
    description: str
    sweep: Callable[[Context, date], Sequence[int]] | None = None


def registry(ctx: Context) -> dict[str, RuleEvent]:
    found: dict[str, RuleEvent] = {}

    def register(event: RuleEvent) -> None:
        if event.name in found:
            raise PluginError(f"rule event {event.name!r} is registered twice")
        found[event.name] = event

    ctx.hook.crm_register_rule_events(register=register)
    return found


def event_named(ctx: Context, name: str) -> RuleEvent:
    found = registry(ctx)
    if name not in found:
        raise ValidationError(
            i18n._("No event {event}; known: {known}.", event=name, known=", ".join(sorted(found)))
        )
    return found[name]
