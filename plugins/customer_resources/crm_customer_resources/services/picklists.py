"""Industries and regions: picklists with Chinese labels that customers' fields must come from."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from crm_core.changes import CustomerChange
from crm_core.context import Context
from crm_core.errors import DuplicateError, NotFound, PermissionDenied, ValidationError
from crm_core.i18n import _
from crm_customer_resources.models import PicklistEntry
from crm_customer_resources.models.picklists import PICKLISTS

DEFAULTS = {
    "industry": [
        ("manufacturing", "Manufacturing", "制造业"),
        ("internet", "Internet", "互联网"),
        ("retail", "Wholesale and retail", "批发零售"),
        ("healthcare", "Healthcare", "医疗"),
        ("education", "Education", "教育"),
        ("logistics", "Logistics", "物流"),
        ("construction", "Construction", "建筑"),
        ("energy", "Energy", "能源"),
        ("finance", "Finance", "金融"),
        ("government", "Government", "政府"),
    ],
    "region": [
        ("east", "East China", "华东"),
        ("north", "North China", "华北"),
        ("south", "South China", "华南"),
        ("central", "Central China", "华中"),
        ("southwest", "Southwest", "西南"),
        ("northwest", "Northwest", "西北"),
        ("northeast", "Northeast", "东北"),
    ],
}


def seed_defaults(ctx: Context) -> None:
    """The default dictionary, where a list is still empty (re-enabling changes nothing)."""
    for name, entries in DEFAULTS.items():
        if ctx.session.scalar(
            select(func.count()).select_from(PicklistEntry).where(PicklistEntry.list == name)
        ):
            continue
        for sort, (_code, label, label_zh) in enumerate(entries):
            # Customers store the Chinese label: what salespeople type and spreadsheets carry.
            ctx.session.add(
                PicklistEntry(list=name, code=label_zh, label=label, label_zh=label_zh, sort=sort)
            )
    ctx.session.flush()


def allowed(ctx: Context, name: str) -> set[str]:
    return set(
        ctx.session.scalars(
            select(PicklistEntry.code).where(
                PicklistEntry.list == name, PicklistEntry.active.is_(True)
            )
        )
    )


def check_customer_values(ctx: Context, changes: Sequence[CustomerChange]) -> None:
    for name in PICKLISTS:
        values = {c.after.get(name) for c in changes if c.changed(name) and c.after.get(name)}
        if not values:
            continue
        known = allowed(ctx, name)
        if not known:
            continue  # an empty picklist means "free text"
        for change in changes:
            value = change.after.get(name)
            if value and change.changed(name) and value not in known:
                raise ValidationError(
                    _(
                        "{label}: {name} {value!r} is not in the picklist (see `crm picklists list {name}`)",
                        label=change.label,
                        name=name,
                        value=value,
                    )
                )


def _require_admin(ctx: Context) -> None:
    if not ctx.actor.is_admin:
        raise PermissionDenied("only an admin may edit picklists")


def add(ctx: Context, name: str, code: str, label: str, label_zh: str) -> PicklistEntry:
    _require_admin(ctx)
    if name not in PICKLISTS:
        raise ValidationError(f"picklist must be one of {', '.join(PICKLISTS)}")
    found = ctx.session.scalar(
        select(PicklistEntry).where(PicklistEntry.list == name, PicklistEntry.code == code)
    )
    if found is not None:
        if found.active:
            raise DuplicateError(f"{name} {code!r} is already in the picklist")
        found.active, found.label, found.label_zh = True, label, label_zh
        ctx.session.flush()
        return found
    sort = (
        ctx.session.scalar(select(func.max(PicklistEntry.sort)).where(PicklistEntry.list == name))
        or 0
    ) + 1
    entry = PicklistEntry(list=name, code=code, label=label, label_zh=label_zh, sort=sort)
    ctx.session.add(entry)
    ctx.session.flush()
    return entry


def retire(ctx: Context, name: str, code: str) -> None:
    """Take a value out of use; customers that carry it keep it."""
    _require_admin(ctx)
    found = ctx.session.scalar(
        select(PicklistEntry).where(PicklistEntry.list == name, PicklistEntry.code == code)
    )
    if found is None or not found.active:
        raise NotFound(f"{name} {code!r} is not in the picklist")
    found.active = False
    ctx.session.flush()


def entries(ctx: Context, name: str | None = None) -> list[PicklistEntry]:
    query = (
        select(PicklistEntry)
        .where(PicklistEntry.active.is_(True))
        .order_by(PicklistEntry.list, PicklistEntry.sort)
    )
    if name is not None:
        query = query.where(PicklistEntry.list == name)
    return list(ctx.session.scalars(query))
