"""Running rules: on an event, each enabled rule whose conditions hold runs its action,
inside the same transaction, with a bound on how deep rules may trigger rules."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import attrs
from sqlalchemy import inspect, select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm.exc import ObjectDeletedError

from crm_core.features.rules import actions, conditions, events
from crm_core.foundation import i18n
from crm_core.foundation.errors import CrmError, ValidationError
from crm_core.foundation.schema import table_of
from crm_core.hooks.actor import Actor
from crm_core.hooks.context import Context
from crm_core.hooks.entities import Entity
from crm_core.kernel.models import Rule
from crm_core.kernel.visibility import ACTOR_KEY
from crm_core.services.entities import entity_named

#: How many rules may be running inside one another (a rule firing an event that runs a rule...).
MAX_DEPTH = 8
CHAIN_KEY = "crm_rule_chain"
_rules = table_of(Rule)


class RuleLoopError(ValidationError):
    """Rules kept triggering each other: nothing was written."""


@attrs.frozen
class LoadedRule:
    name: str
    event: str
    conditions: tuple[conditions.Condition, ...]
    action: str
    argument: str

    @staticmethod
    def of(row: Any) -> LoadedRule:
        return LoadedRule(
            row.name,
            row.event,
            tuple(conditions.Condition(*c) for c in row.conditions or ()),
            row.action,
            row.argument or "",
        )


RULES_KEY = "crm_rules"


def enabled_rules(ctx: Context, event: str) -> list[LoadedRule]:
    """The event's enabled rules in order; every enabled rule is read once per unit of work."""
    by_event: dict[str, list[LoadedRule]] | None = ctx.session.info.get(RULES_KEY)
    if by_event is None:
        by_event = {}
        query = (
            select(_rules)
            .where(_rules.c.enabled.is_(True))
            .order_by(_rules.c.position, _rules.c.id)
        )
        for row in ctx.session.execute(query, execution_options={"autoflush": False}):
            by_event.setdefault(row.event, []).append(LoadedRule.of(row))
        ctx.session.info[RULES_KEY] = by_event
    return by_event.get(event, [])


def forget(ctx: Context) -> None:
    """Drop the unit of work's rules after they were changed."""
    ctx.session.info.pop(RULES_KEY, None)


def fire(ctx: Context, event_name: str, record_ids: Sequence[int]) -> None:
    """Run the enabled rules listening to `event_name` for these records (call inside the write)."""
    if not record_ids:
        return
    listening = enabled_rules(ctx, event_name)
    if not listening:
        return
    event = events.event_named(ctx, event_name)
    entity = entity_named(ctx, event.entity)
    for rule in listening:
        matched = matching_ids(ctx, entity, rule, record_ids)
        if matched:
            run(ctx, entity, rule, matched)


def matching_ids(
    ctx: Context, entity: Entity, rule: LoadedRule, record_ids: Sequence[int]
) -> list[int]:
    found = conditions.facts(ctx, entity, record_ids)
    return [
        record_id
        for record_id in record_ids
        if record_id in found
        and all(conditions.holds(c, found[record_id]) for c in rule.conditions)
    ]


def run(ctx: Context, entity: Entity, rule: LoadedRule, record_ids: Sequence[int]) -> None:
    chain: list[str] = ctx.session.info.setdefault(CHAIN_KEY, [])
    if len(chain) >= MAX_DEPTH:
        raise RuleLoopError(
            i18n._(
                "Rules stopped after {depth} levels, nothing was written: {chain}. Change or disable one of them (`crm rules disable NAME`).",
                depth=MAX_DEPTH,
                chain=" → ".join([*chain, rule.name]),
            )
        )
    action = actions.registry(ctx).get(rule.action)
    if action is None:
        raise ValidationError(
            i18n._(
                "Rule {rule}: no action {action} (is its plugin enabled?).",
                rule=rule.name,
                action=rule.action,
            )
        )
    chain.append(rule.name)
    try:
        with acting_for_rule(ctx, rule.name) as rule_ctx:
            action.run(rule_ctx, entity, list(record_ids), rule.argument)
    except RuleLoopError:
        raise
    except CrmError as exc:
        raise type(exc)(i18n._("Rule {rule}: {reason}", rule=rule.name, reason=str(exc))) from exc
    finally:
        chain.pop()


@contextmanager
def acting_for_rule(ctx: Context, rule_name: str) -> Iterator[Context]:
    """A context with the rule's rights on the same session and transaction.

    The audit keeps naming the user whose write fired the event (same actor id). Records the
    rule loaded are put out of the session afterwards, so the user's next `get` queries again,
    under the user's own visibility.
    """
    trigger = ctx.actor
    actor = Actor(
        id=trigger.id,
        login=f"rule:{rule_name}",
        name=trigger.name,
        role="system",
        team_id=trigger.team_id,
    )
    session = ctx.session
    before = set(session.identity_map.keys())
    session.info[ACTOR_KEY] = actor
    try:
        yield ctx.as_actor(actor)
        session.flush()
    finally:
        session.info[ACTOR_KEY] = trigger
        for key in list(session.identity_map.keys()):
            found = session.identity_map.get(key)
            if found is None or found in session.dirty or found in session.new:
                continue
            if key not in before:
                session.expunge(found)
            elif inspect(found).expired_attributes:
                # The caller's own objects that the action changed in bulk: load them again
                # now, so they stay readable after the unit of work closes.
                with suppress(InvalidRequestError, ObjectDeletedError):
                    session.refresh(found)
