"""Keeping rules: add, list, enable/disable, remove, load from TOML, dry-run, periodic sweep."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import attrs
from sqlalchemy import func, select

from crm_core.features.rules import actions, conditions, engine, events
from crm_core.foundation import i18n
from crm_core.foundation.errors import DuplicateError, NotFound, PermissionDenied, ValidationError
from crm_core.hooks.context import Context
from crm_core.kernel.models import AuditEntry, Rule, Setting
from crm_core.services.entities import entity_named

SWEPT_KEY = "rules.swept:"


def _require_admin(ctx: Context) -> None:
    if not ctx.actor.is_admin:
        raise PermissionDenied(i18n._("Only an admin may change or try rules."))


@attrs.frozen
class RuleSpec:
    """A rule as written by a person: `when` conditions as text, `do` as "ACTION ARGUMENT"."""

    name: str
    on: str
    do: str
    when: tuple[str, ...] = ()
    enabled: bool = True


def validated(ctx: Context, spec: RuleSpec) -> tuple[list[conditions.Condition], str, str]:
    if not spec.name.strip():
        raise ValidationError(i18n._("A rule needs a name."))
    event = events.event_named(ctx, spec.on)
    entity = entity_named(ctx, event.entity)
    parsed = [conditions.parse(text) for text in spec.when]
    conditions.check_fields(ctx, entity, parsed)
    name, argument = actions.split(spec.do)
    known = actions.registry(ctx)
    action = known.get(name)
    if action is None:
        raise ValidationError(
            i18n._(
                "No action {action}; known: {known}.", action=name, known=", ".join(sorted(known))
            )
        )
    if action.entities and entity.name not in action.entities:
        raise ValidationError(
            i18n._(
                "{action} works on {entities}, not on {entity}.",
                action=name,
                entities=", ".join(action.entities),
                entity=entity.name,
            )
        )
    if action.check is not None:
        action.check(ctx, entity, argument)
    return parsed, name, argument


def add(ctx: Context, spec: RuleSpec, *, replace: bool = False) -> Rule:
    _require_admin(ctx)
    parsed, action, argument = validated(ctx, spec)
    rule = ctx.session.scalar(select(Rule).where(Rule.name == spec.name))
    if rule is not None and not replace:
        raise DuplicateError(i18n._("A rule named {name} exists already.", name=spec.name))
    if rule is None:
        position = ctx.session.scalar(select(func.coalesce(func.max(Rule.position), -1)))
        rule = Rule(name=spec.name, position=int(position or 0) + 1, created_by_id=ctx.actor.id)
        ctx.session.add(rule)
    rule.event = spec.on
    rule.conditions = [c.as_list() for c in parsed]
    rule.action = action
    rule.argument = argument
    rule.enabled = spec.enabled
    ctx.session.flush()
    engine.forget(ctx)
    return rule


def rules(ctx: Context) -> list[Rule]:
    return list(ctx.session.scalars(select(Rule).order_by(Rule.position, Rule.id)))


def rule_named(ctx: Context, name: str) -> Rule:
    rule = ctx.session.scalar(select(Rule).where(Rule.name == name))
    if rule is None:
        raise NotFound(i18n._("No rule {name}.", name=name))
    return rule


def set_enabled(ctx: Context, name: str, enabled: bool) -> Rule:
    _require_admin(ctx)
    rule = rule_named(ctx, name)
    if enabled:  # a rule written for a plugin that is gone must not come back half-working
        validated(ctx, spec_of(rule))
    rule.enabled = enabled
    ctx.session.flush()
    engine.forget(ctx)
    return rule


def remove(ctx: Context, name: str) -> None:
    _require_admin(ctx)
    ctx.session.delete(rule_named(ctx, name))
    ctx.session.flush()
    engine.forget(ctx)


def spec_of(rule: Rule) -> RuleSpec:
    when = tuple(str(conditions.Condition(*c)) for c in rule.conditions or ())
    do = f"{rule.action} {rule.argument}".strip()
    return RuleSpec(rule.name, rule.event, do, when, rule.enabled)


def load(ctx: Context, path: Path) -> list[Rule]:
    """Add or replace every `[[rule]]` of a TOML file (name, on, when, do, enabled)."""
    _require_admin(ctx)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError(
            i18n._("Cannot read {file}: {reason}", file=path.name, reason=exc)
        ) from None
    items = document.get("rule")
    if not isinstance(items, list) or not items:
        raise ValidationError(i18n._("{file} has no [[rule]] tables.", file=path.name))
    loaded = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise ValidationError(
                i18n._("Rule {n} of {file} is not a table.", n=number, file=path.name)
            )
        unknown = sorted(set(item) - {"name", "on", "when", "do", "enabled"})
        missing = [k for k in ("name", "on", "do") if k not in item]
        if unknown or missing:
            raise ValidationError(
                i18n._(
                    "Rule {n} of {file}: unknown keys {unknown}, missing keys {missing}.",
                    n=number,
                    file=path.name,
                    unknown=", ".join(unknown) or "-",
                    missing=", ".join(missing) or "-",
                )
            )
        when = item.get("when", [])
        if isinstance(when, str):
            when = [when]
        spec = RuleSpec(
            str(item["name"]),
            str(item["on"]),
            str(item["do"]),
            tuple(map(str, when)),
            bool(item.get("enabled", True)),
        )
        try:
            loaded.append(add(ctx, spec, replace=True))
        except ValidationError as exc:
            raise ValidationError(f"{path.name}, {spec.name}: {exc}") from None
    return loaded


# -- trying a rule -------------------------------------------------------------------------------


@attrs.frozen
class Check:
    condition: str
    actual: Any
    holds: bool


@attrs.frozen
class Trial:
    """What a rule would do to one record: each condition, and the changes it would write."""

    rule: str
    record: str
    checks: tuple[Check, ...]
    matched: bool
    effects: tuple[dict[str, Any], ...] = ()
    error: str | None = None


class _Undo(Exception):
    pass


def trial(ctx: Context, name: str, record_id: int) -> Trial:
    """Evaluate the rule for one record and run its action in a savepoint that is rolled back."""
    _require_admin(ctx)
    rule = rule_named(ctx, name)
    loaded = engine.LoadedRule.of(rule)
    entity = entity_named(ctx, events.event_named(ctx, rule.event).entity)
    found = conditions.facts(ctx, entity, [record_id])
    if record_id not in found:
        raise NotFound(i18n._("No {entity} {ref}.", entity=entity.name, ref=record_id))
    record = found[record_id]
    label = (
        f"{record.get(entity.label_column)} (#{record_id})"
        if entity.label_column
        else f"#{record_id}"
    )
    checks = tuple(
        Check(str(c), record.get(c.field), conditions.holds(c, record)) for c in loaded.conditions
    )
    matched = all(c.holds for c in checks)
    if not matched:
        return Trial(rule.name, label, checks, False)
    last = ctx.session.scalar(select(func.coalesce(func.max(AuditEntry.id), 0))) or 0
    effects: list[dict[str, Any]] = []
    error = None
    try:
        with ctx.session.begin_nested():
            try:
                engine.run(ctx, entity, loaded, [record_id])
            except ValidationError as exc:
                error = str(exc)
            else:
                effects = [
                    {
                        "action": a.action,
                        "entity": a.entity,
                        "id": a.entity_id,
                        "field": a.field,
                        "old": a.old_value,
                        "new": a.new_value,
                    }
                    for a in ctx.session.scalars(
                        select(AuditEntry).where(AuditEntry.id > last).order_by(AuditEntry.id)
                    )
                ]
            raise _Undo
    except _Undo:
        pass
    ctx.session.expire_all()
    return Trial(rule.name, label, checks, True, tuple(effects), error)


# -- periodic events -----------------------------------------------------------------------------


def sweep(ctx: Context, day: date, *, again: bool = False) -> dict[str, int]:
    """Fire every periodic event for `day`; {event: records}. A day is swept once unless `again`."""
    _require_admin(ctx)
    fired: dict[str, int] = {}
    for event in events.registry(ctx).values():
        if event.sweep is None:
            continue
        key = SWEPT_KEY + event.name
        stored = ctx.session.get(Setting, key)
        if stored is not None and not again and str(stored.value) >= day.isoformat():
            fired[event.name] = 0
            continue
        ids: Sequence[int] = event.sweep(ctx, day)
        engine.fire(ctx, event.name, list(ids))
        fired[event.name] = len(ids)
        if stored is None:
            ctx.session.add(Setting(key=key, value=day.isoformat()))
        elif str(stored.value) < day.isoformat():
            stored.value = day.isoformat()
    ctx.session.flush()
    return fired
