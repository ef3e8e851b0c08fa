"""Customers: register (refusing duplicates, even unseen ones), look up, update, list."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from contextlib import suppress
from datetime import datetime, time
from typing import Any

import attrs
from sqlalchemy import false, func, or_, select
from sqlalchemy.exc import IntegrityError

from crm_core.foundation import i18n
from crm_core.foundation.errors import DuplicateError, NotFound, PermissionDenied, ValidationError
from crm_core.foundation.initials import initials
from crm_core.foundation.normalize import name_key, phone_key
from crm_core.foundation.prefix_match import starts_with
from crm_core.foundation.record_ids import record_id
from crm_core.foundation.schema import table_of
from crm_core.hooks.changes import CustomerChange
from crm_core.hooks.context import Context
from crm_core.kernel.models import KINDS, AuditEntry, Customer, OwnershipPeriod, User
from crm_core.kernel.visibility import owner_parts
from crm_core.services import custom_fields, picklists
from crm_core.services.common import capped_count, require_manages, user_by_login
from crm_core.services.entities import entity_named

EDITABLE = ("name", "kind", "level", "industry", "region", "phone", "address", "notes")
_customers = table_of(Customer)
_users = table_of(User)
_audit = table_of(AuditEntry)


@attrs.frozen
class Registration:
    """What anyone may learn about an existing customer: that it exists, and who holds it."""

    customer_id: int
    name: str
    owner: str  # "Name (login)" or the shared pool

    @property
    def message(self) -> str:
        return i18n._(
            "Customer {name} is already registered by {owner}.", name=self.name, owner=self.owner
        )


def registration(
    ctx: Context,
    *,
    key: str | None = None,
    phone: str | None = None,
    customer_id: int | None = None,
) -> Registration | None:
    """Existence check with system rights (Core tables are not filtered): reveals only the owner."""
    query = select(_customers.c.id, _customers.c.name, _users.c.name, _users.c.login).outerjoin(
        _users, _users.c.id == _customers.c.owner_id
    )
    if customer_id is not None:
        query = query.where(_customers.c.id == customer_id)
    elif key is not None:
        query = query.where(_customers.c.name_key == key)
    elif phone is not None:
        query = query.where(_customers.c.phone_key == phone)
    else:
        return None
    row = ctx.session.execute(query.limit(1)).first()
    if row is None:
        return None
    owner = f"{row[2]} ({row[3]})" if row[3] else i18n._("the shared pool")
    return Registration(row[0], row[1], owner)


#: Registrations a person may make in a day that name customers they may not see: enough for
#: a salesperson's honest mistakes, too few to map the customer base by trying names or phones.
PROBES_A_DAY = 50


def probes_today(ctx: Context) -> int:
    """The acting user's probes today (their local day), those of this unit included."""
    start = datetime.combine(ctx.today(), time.min, ctx.zone)
    kept = sum(1 for entry in ctx.kept_audit if entry.get("action") == "probe")
    if ctx.actor.id is None:
        return kept
    stored = ctx.session.scalar(
        select(func.count())
        .select_from(_audit)
        .where(_audit.c.action == "probe", _audit.c.actor_id == ctx.actor.id, _audit.c.at >= start)
    )
    return int(stored or 0) + kept


def probe(ctx: Context, customer_id: int, by: str) -> bool:
    """A registration that names a customer the acting user may not see (`by` "name" or
    "phone"): audited even when refused, counted; False once the day's PROBES_A_DAY are spent,
    and then nothing about the customer may be said."""
    allowed = probes_today(ctx) < PROBES_A_DAY
    ctx.keep_audit(
        {
            "action": "probe" if allowed else "probe refused",
            "entity": "crm_customer",
            "entity_id": str(customer_id),
            "field": by,
        }
    )
    return allowed


def _too_many_probes() -> PermissionDenied:
    return PermissionDenied(
        i18n._(
            "You have named {n} customers held by others today; ask your manager to check "
            "the rest.",
            n=PROBES_A_DAY,
        )
    )


def check_unique(ctx: Context, key: str, phone: str | None, exclude: int | None) -> None:
    """Raise DuplicateError when another customer has this name key or phone key. Naming a
    customer the actor may not see is a probe (`probe`): counted and audited."""
    found = registration(ctx, key=key)
    if found is not None and found.customer_id != exclude:
        if ctx.session.get(Customer, found.customer_id) is None and not probe(
            ctx, found.customer_id, "name"
        ):
            raise _too_many_probes()
        raise DuplicateError(found.message)
    if phone is not None:
        found = registration(ctx, phone=phone)
        if found is not None and found.customer_id != exclude:
            if ctx.session.get(Customer, found.customer_id) is None:
                if not probe(ctx, found.customer_id, "phone"):
                    raise _too_many_probes()
                # A phone names the holder only: the name behind a hidden customer's phone would
                # let anyone who tries numbers learn the customer base.
                raise DuplicateError(
                    i18n._("This phone is already registered, by {owner}.", owner=found.owner)
                )
            raise DuplicateError(
                i18n._(
                    "Customer {name} (same phone) is already registered by {owner}.",
                    name=found.name,
                    owner=found.owner,
                )
            )


def resolved_values(ctx: Context, values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` cleaned, and picklist-governed ones (kind, level, industry, region) given as a
    code or as a label in either language ("签约客户", "Supplier") stored as their code."""
    given = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
    picklists.resolve_fields(ctx, "customers", given)
    return clean_values(given)


def clean_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Strip text, turn blanks into None, check the kind; raises ValidationError."""
    cleaned: dict[str, Any] = {}
    for field, value in values.items():
        if field not in EDITABLE:
            raise ValidationError(f"unknown customer field {field!r}")
        if isinstance(value, str):
            value = value.strip() or None
        cleaned[field] = value
    if "name" in cleaned and not cleaned["name"]:
        raise ValidationError("a customer needs a name")
    if "kind" in cleaned:
        cleaned["kind"] = cleaned["kind"] or "customer"
        if cleaned["kind"] not in KINDS:
            raise ValidationError(
                f"kind must be one of {', '.join(KINDS)}, not {cleaned['kind']!r}"
            )
    if "level" in cleaned and not cleaned["level"]:
        raise ValidationError("level may not be empty")
    return cleaned


def check_value(ctx: Context, field: str, value: str | None, *, label: str) -> None:
    """Refuse a value for a customer field as a write would (its kind, its picklist, the level
    rules of the enabled plugins), writing nothing: checked when a rule that sets it is added."""
    cleaned = resolved_values(ctx, {field: value})
    after: dict[str, Any] = {name: None for name in EDITABLE}
    after.update(kind="customer", name=label, **cleaned)
    ctx.hook.crm_validate_customer_changes(
        ctx=ctx, changes=[CustomerChange(0, None, after, label=label)]
    )


def resolve_owner(ctx: Context, owner_login: str | None, *, pool: bool = False) -> int | None:
    """The new customer's owner: the named user (if the actor may act for them), else the actor."""
    if pool:
        return None
    if owner_login is None:
        if ctx.actor.id is None:
            raise ValidationError("name an owner (--owner LOGIN) or put the customer in the pool")
        return ctx.actor.id
    user = user_by_login(ctx, owner_login)
    require_manages(ctx, user, "register customers")
    return user.id


def create(
    ctx: Context,
    values: Mapping[str, Any],
    *,
    owner_login: str | None = None,
    pool: bool = False,
    custom: Mapping[str, str | None] | None = None,
) -> Customer:
    """Register a customer (with `custom` field values); refused when it is a duplicate."""
    cleaned = resolved_values(ctx, values)
    cleaned.setdefault("kind", "customer")
    name = cleaned.get("name")
    if not name:
        raise ValidationError("a customer needs a name")
    key = name_key(name)
    phone = phone_key(cleaned.get("phone"))
    check_unique(ctx, key, phone, exclude=None)
    owner_id = resolve_owner(ctx, owner_login, pool=pool)
    after = {**cleaned, "owner_id": owner_id}
    ctx.hook.crm_validate_customer_changes(
        ctx=ctx, changes=[CustomerChange(None, None, after, label=name)]
    )
    customer = Customer(
        **cleaned,
        name_key=key,
        phone_key=phone,
        initials=initials(key),
        owner_id=owner_id,
        created_by_id=ctx.actor.id,
    )
    ctx.session.add(customer)
    try:
        with ctx.session.begin_nested():
            ctx.session.flush()
    except IntegrityError:
        # Another writer registered the same key between our check and our insert.
        check_unique(ctx, key, phone, exclude=None)
        raise
    ctx.session.add(
        OwnershipPeriod(
            customer_id=customer.id, owner_id=owner_id, started_at=ctx.now(), reason="registered"
        )
    )
    ctx.session.flush()
    custom_fields.write_new(ctx, "customers", customer.id, custom or {})
    ctx.hook.crm_customers_created(ctx=ctx, customer_ids=[customer.id])
    return customer


def get(ctx: Context, ref: str | int) -> Customer:
    """A visible customer by id or exact name. One the acting user may not see answers exactly
    like one that does not exist: looking customers up by id or name must not list the customer
    base and its holders. Only a registration that names a held customer (`create`, an import)
    is told who holds it, which is what protection is for."""
    text = str(ref).strip()
    number = record_id(text)
    if number is not None:
        customer = ctx.session.get(Customer, number)
    else:
        key = name_key(text)
        customer = ctx.session.scalar(select(Customer).where(Customer.name_key == key))
    if customer is None:
        raise NotFound(i18n._("No customer {ref}.", ref=text))
    return customer


def snapshot(customer: Customer) -> dict[str, Any]:
    return {field: getattr(customer, field) for field in (*EDITABLE, "owner_id")}


def update(
    ctx: Context,
    ref: str | int,
    values: Mapping[str, Any],
    *,
    custom: Mapping[str, str | None] | None = None,
) -> Customer:
    customer = get(ctx, ref)
    cleaned = resolved_values(ctx, values)
    if ctx.actor.role == "sales" and customer.owner_id != ctx.actor.id:
        raise PermissionDenied(f"{ctx.actor.login} may not change a customer they do not own")
    if custom:
        entity = entity_named(ctx, "customers")
        custom_fields.write(ctx, entity, [(customer.id, dict(custom))])
    before = snapshot(customer)
    after = {**before, **cleaned}
    if after == before:
        return customer
    new_key = name_key(after["name"])
    new_phone = phone_key(after["phone"])
    if new_key != customer.name_key or new_phone != customer.phone_key:
        check_unique(ctx, new_key, new_phone, exclude=customer.id)
    change = CustomerChange(customer.id, before, after, label=customer.name)
    ctx.hook.crm_validate_customer_changes(ctx=ctx, changes=[change])
    for field, value in cleaned.items():
        setattr(customer, field, value)
    customer.name_key, customer.phone_key = new_key, new_phone
    customer.initials = initials(new_key)
    ctx.session.flush()
    ctx.hook.crm_customers_updated(ctx=ctx, changes=[change])
    if before["level"] != after["level"]:
        ctx.hook.crm_customer_level_changed(
            ctx=ctx, customer=customer, old_level=before["level"], new_level=after["level"]
        )
    return customer


def set_level(ctx: Context, ref: str | int, level: str) -> Customer:
    return update(ctx, ref, {"level": level})


@attrs.frozen
class CustomerFilter:
    kind: str | None = None
    level: str | None = None
    industry: str | None = None
    region: str | None = None
    owner_login: str | None = None
    pool: bool = False
    name_contains: str | None = None
    #: The name or the phone starts with this (an index range on the normalised keys).
    prefix: str | None = None
    #: Custom-field conditions, "NAME=VALUE" (or !=, >, >=, <, <=).
    custom: tuple[str, ...] = ()

    def resolved(self, ctx: Context) -> CustomerFilter:
        """The filter with kind, level, industry and region given as labels (in either
        language) turned into their codes; a value no picklist knows stays as given."""
        changes: dict[str, Any] = {}
        for field in ("kind", "level", "industry", "region"):
            value = getattr(self, field)
            picklist = picklists.governing(ctx, "customers", field) if value else None
            resolve = picklists.resolver(ctx, picklist.name) if picklist else None
            if resolve is not None and value is not None:
                with suppress(ValidationError):  # unknown: matches nothing, as typed
                    changes[field] = resolve(value)
        return attrs.evolve(self, **changes) if changes else self

    def apply(self, query: Any) -> Any:
        """`query` (a Select over Customer) narrowed by every filter that is set."""
        for field in ("kind", "level", "industry", "region"):
            value = getattr(self, field)
            if value is not None:
                query = query.where(getattr(Customer, field) == value)
        if self.owner_login is not None:
            query = query.where(
                Customer.owner_id
                == select(User.id).where(User.login == self.owner_login).scalar_subquery()
            )
        if self.pool:
            query = query.where(Customer.owner_id.is_(None))
        if self.prefix and self.prefix.strip():
            query = query.where(_prefix_condition(self.prefix))
        if self.name_contains:
            needle = self.name_contains.strip()
            query = query.where(
                or_(
                    Customer.name.contains(needle, autoescape=True),
                    Customer.phone.contains(needle, autoescape=True),
                )
            )
        return query


def _prefix_condition(prefix: str) -> Any:
    """Name key, pinyin initials or phone key in the prefix's range; a prefix with no letters
    matches nothing."""
    conditions = []
    folded = re.sub(r"\W", "", unicodedata.normalize("NFKC", prefix).casefold())
    if folded:
        conditions.append(starts_with(Customer.name_key, name_key(prefix)))
    if folded.isascii() and folded.isalpha():  # "bjhy": the pinyin initials too
        conditions.append(starts_with(Customer.initials, folded))
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", prefix))
    if digits and digits == folded:  # only digits (and spaces, dashes, a plus): a phone number
        if prefix.strip().startswith("+86") and digits.startswith("86"):
            digits = digits[2:]
        conditions.append(starts_with(Customer.phone_key, digits))
    return or_(*conditions) if conditions else false()


#: Below this many matches a prefix is read from the key indexes and sorted (see list_page).
DENSE_PREFIX = 2_000
#: Counts stop here: "10,000+" is what a list header needs, and it costs the same at any size.
COUNT_CAP = 10_000


@attrs.frozen
class VisibleCount:
    """How many visible customers match: exact below the cap, otherwise "at least the cap"."""

    value: int
    exact: bool

    def text(self) -> str:
        return f"{self.value:,}" if self.exact else f"{self.value:,}+"


def count_visible(ctx: Context, where: CustomerFilter, cap: int = COUNT_CAP) -> VisibleCount:
    """Count the visible customers that match, reading at most `cap` + 1 of them."""
    where = where.resolved(ctx)
    custom = custom_fields.where_clauses(ctx, "customers", where.custom) if where.custom else []
    query = where.apply(select(Customer.id).where(*custom))
    # Everything a salesperson may see: their own customers and the pool, counted apart along
    # the owner index (10,001 of a pool of 200,000 came after reading about 50,000 rows in id
    # order). Not with a filter: SQLite then walked the pool to test a rare level.
    parts = owner_parts(ctx.actor, Customer.owner_id) if where == CustomerFilter() else None
    if parts is None:
        found = capped_count(ctx, query, cap)
    else:
        found = 0
        for part in parts:
            found += capped_count(ctx, query.where(part), cap - found)
            if found > cap:
                break
    return VisibleCount(min(found, cap), found <= cap)


def list_page(
    ctx: Context, where: CustomerFilter, *, after_id: int = 0, limit: int = 50
) -> Sequence[tuple[Customer, str | None]]:
    """One page of visible customers in id order after `after_id` (keyset pagination)."""
    where = where.resolved(ctx)
    custom = custom_fields.where_clauses(ctx, "customers", where.custom) if where.custom else []
    order: Any = Customer.id
    if where.prefix and count_visible(ctx, where, cap=DENSE_PREFIX).exact:
        # A rare prefix: read its few rows from the key indexes and sort them. Walking the
        # primary key, which both planners prefer for ORDER BY id LIMIT 50, reads every row
        # when the matches sit together at the far end (ids and keys correlate after a sorted
        # import). `id + 0` keeps the primary key out of it. A common prefix keeps the walk:
        # its matches are dense, so 50 come quickly.
        order = Customer.id + 0
    query = (
        select(Customer, User.login)
        .outerjoin(User, User.id == Customer.owner_id)
        .where(order > after_id)
        .where(*custom)
        .order_by(order)
        .limit(limit)
    )
    return [(row[0], row[1]) for row in ctx.session.execute(where.apply(query))]
