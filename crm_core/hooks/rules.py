"""What automation rules listen to (`RuleEvent`) and what they can do (`RuleAction`), as the core
and plugins declare them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING

import attrs

from crm_core.hooks.registry import Collection

if TYPE_CHECKING:
    from crm_core.hooks.context import Context
    from crm_core.hooks.entities import Entity


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


@attrs.frozen
class RuleAction:
    """`run(ctx, entity, record_ids, argument)`; `entities` limits where it applies (() = any).

    `check(ctx, entity, argument)`, when given, validates the argument as the rule is added.
    """

    name: str
    description: str
    run: Callable[[Context, Entity, Sequence[int], str], None]
    entities: tuple[str, ...] = ()
    check: Callable[[Context, Entity, str], None] | None = None


RULE_EVENTS: Collection[RuleEvent] = Collection(
    "crm_register_rule_events", "rule event", lambda e: e.name
)
RULE_ACTIONS: Collection[RuleAction] = Collection(
    "crm_register_rule_actions", "rule action", lambda a: a.name
)
