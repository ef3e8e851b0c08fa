"""What a rule can do: the core's actions, plus the named actions plugins register.

An action runs inside the event's transaction with the rule's rights (it acts for the
deployment, on behalf of the user whose write fired the event; the audit names that user).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from crm_core.foundation import i18n
from crm_core.foundation.errors import ValidationError
from crm_core.hooks.context import Context
from crm_core.hooks.entities import Entity
from crm_core.hooks.rules import RULE_ACTIONS, RuleAction
from crm_core.kernel.models import Customer, FollowUp, User
from crm_core.services import custom_fields, picklists
from crm_core.services.entities import owner_id_of

#: Columns no rule may set: identity, ownership (use assign-owner) and bookkeeping.
PROTECTED = frozenset(
    {
        "id",
        "owner_id",
        "customer_id",
        "created_by_id",
        "created_at",
        "updated_at",
        "name_key",
        "phone_key",
        "initials",
    }
)


def registry(ctx: Context) -> Mapping[str, RuleAction]:
    """Every ruleaction the core and the enabled plugins registered, by name."""
    return ctx.registry(RULE_ACTIONS)


def split(text: str) -> tuple[str, str]:
    """'assign-owner sun' -> ('assign-owner', 'sun')."""
    name, _, argument = text.strip().partition(" ")
    if not name:
        raise ValidationError(i18n._('Say what the rule does: --do "ACTION ARGUMENT".'))
    return name, argument.strip()


# -- the core's actions --------------------------------------------------------------------------


def _customer_ids(ctx: Context, entity: Entity, ids: Sequence[int]) -> list[int]:
    if entity.model is Customer:
        return list(ids)
    if "customer_id" not in entity.column_names():
        raise ValidationError(i18n._("{entity} records have no customer.", entity=entity.name))
    table = entity.model.__table__
    return sorted(
        {
            row[0]
            for row in ctx.session.execute(
                select(table.c.customer_id).where(table.c.id.in_(list(ids)))
            )
        }
    )


def _user(ctx: Context, login: str) -> User:
    user = ctx.session.scalar(select(User).where(User.login == login.strip()))
    if user is None:
        raise ValidationError(i18n._("No user {login}.", login=login))
    if not user.active:
        raise ValidationError(i18n._("User {login} is deactivated.", login=login))
    return user


def assign_owner(ctx: Context, entity: Entity, ids: Sequence[int], argument: str) -> None:
    from crm_core.services.transfer import lock_owners, reassign

    target = _user(ctx, argument)
    customer_ids = _customer_ids(ctx, entity, ids)
    previous = lock_owners(ctx, customer_ids)
    reassign(ctx, previous, target.id, i18n._("rule"))


def _check_assign(ctx: Context, entity: Entity, argument: str) -> None:
    _user(ctx, argument)


_SET = re.compile(r"^\s*([^=\s]+)\s*=\s*(.*?)\s*$")


def _parse_set(argument: str) -> tuple[str, str]:
    match = _SET.match(argument)
    if match is None:
        raise ValidationError(i18n._("set takes FIELD=VALUE, not {argument!r}.", argument=argument))
    return match.group(1), match.group(2)


def _check_set(ctx: Context, entity: Entity, argument: str) -> None:
    field, value = _parse_set(argument)
    if field.startswith(custom_fields.PREFIX):
        found = custom_fields.field_named(ctx, entity.name, field[len(custom_fields.PREFIX) :])
        if value:
            custom_fields.parser(ctx, found)(value)
        return
    if field in PROTECTED:
        raise ValidationError(i18n._("A rule may not set {field}.", field=field))
    entity.column(field)
    if entity.model is Customer:
        from crm_core.services import customers

        customers.check_value(ctx, field, value, label=f"set {field}={value}")
    else:
        picklists.resolve_fields(ctx, entity.name, {field: value or None})


def set_field(ctx: Context, entity: Entity, ids: Sequence[int], argument: str) -> None:
    field, value = _parse_set(argument)
    _check_set(ctx, entity, argument)
    if field.startswith(custom_fields.PREFIX):
        name = field[len(custom_fields.PREFIX) :]
        custom_fields.write(ctx, entity, [(record_id, {name: value or None}) for record_id in ids])
        return
    if entity.model is Customer:
        from crm_core.services import customers

        for record_id in ids:
            customers.update(ctx, record_id, {field: value})
        return
    values: dict[str, Any] = {field: value or None}
    picklists.resolve_fields(ctx, entity.name, values)
    for record in ctx.session.scalars(select(entity.model).where(entity.model.id.in_(list(ids)))):
        setattr(record, field, values[field])
    ctx.session.flush()  # audited field by field by the flush listener


def _check_level(ctx: Context, entity: Entity, argument: str) -> None:
    if not argument:
        raise ValidationError(i18n._("change-level needs the new level."))
    from crm_core.services import customers

    customers.check_value(ctx, "level", argument, label=f"change-level {argument}")


def change_level(ctx: Context, entity: Entity, ids: Sequence[int], argument: str) -> None:
    from crm_core.services import customers

    _check_level(ctx, entity, argument)
    for customer_id in _customer_ids(ctx, entity, ids):
        customers.set_level(ctx, customer_id, argument)


_FOLLOW_UP = re.compile(r"^\s*(\d+)\s+(.+?)\s*$")


def _parse_follow_up(argument: str) -> tuple[int, str]:
    match = _FOLLOW_UP.match(argument)
    if match is None:
        raise ValidationError(
            i18n._(
                'follow-up takes DAYS TEXT (e.g. "3 call back"), not {argument!r}.',
                argument=argument,
            )
        )
    return int(match.group(1)), match.group(2)


def _check_follow_up(ctx: Context, entity: Entity, argument: str) -> None:
    _parse_follow_up(argument)


def follow_up(ctx: Context, entity: Entity, ids: Sequence[int], argument: str) -> None:
    """A follow-up for the owner of each record's customer, due in DAYS days."""
    days, text = _parse_follow_up(argument)
    due = ctx.today() + timedelta(days=days)
    rule = ctx.session.info.get("crm_rule_chain", ["?"])[-1]
    for customer_id in _customer_ids(ctx, entity, ids):
        customer = ctx.session.get(Customer, customer_id)
        assignee = owner_id_of(ctx, customer) if customer is not None else None
        if assignee is None:
            continue  # a pool customer has nobody to remind
        ctx.session.add(
            FollowUp(
                customer_id=customer_id, assignee_id=assignee, due_on=due, text=text, rule=rule
            )
        )
    ctx.session.flush()


def builtin_actions() -> list[RuleAction]:
    return [
        RuleAction(
            "assign-owner",
            "give the customer (with what follows it) to LOGIN",
            assign_owner,
            check=_check_assign,
        ),
        RuleAction("set", "set FIELD=VALUE (a column or custom.NAME)", set_field, check=_check_set),
        RuleAction(
            "change-level",
            "move the customer to LEVEL",
            change_level,
            check=_check_level,
        ),
        RuleAction(
            "follow-up",
            "DAYS TEXT: a follow-up for the customer's owner, due in DAYS days",
            follow_up,
            check=_check_follow_up,
        ),
    ]
