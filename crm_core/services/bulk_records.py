"""The core's other importable entities: contacts, products and interactions, written in bulk."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update

from crm_core.foundation import i18n
from crm_core.foundation.dates import parse_day, parse_moment
from crm_core.foundation.errors import ValidationError
from crm_core.foundation.normalize import name_key
from crm_core.foundation.schema import table_of
from crm_core.foundation.types import to_money
from crm_core.hooks.context import Context
from crm_core.hooks.importers import Column, Existing, Importer, ImportRow
from crm_core.kernel import audit_trail, bulk
from crm_core.kernel.models import Contact, Customer, Interaction, Product, User
from crm_core.kernel.planner import among
from crm_core.services import interactions, picklists, products
from crm_core.services.common import capped_count, chunks, manages

_contacts = table_of(Contact)
_products = table_of(Product)
_interactions = table_of(Interaction)

INTERACTION_LABELS = {
    "拜访": "visit",
    "上门": "visit",
    "上门拜访": "visit",
    "电话": "call",
    "电话沟通": "call",
    "邮件": "email",
    "电子邮件": "email",
    "会议": "meeting",
    "会面": "meeting",
    "见面": "meeting",
}


def parse_interaction_kind(text: str) -> str:
    """A Chinese synonym becomes its kind; the `interaction_kind` picklist checks it per batch."""
    return INTERACTION_LABELS.get(text.strip(), text.strip())


def visible_customers(ctx: Context, rows: list[ImportRow], field: str = "customer") -> None:
    """Resolve each row's customer (by normalised name) among the customers the user may see.

    A customer that exists but is not visible gets the same answer as one that does not exist.
    """
    keys: dict[str, list[ImportRow]] = {}
    for row in rows:
        try:
            keys.setdefault(name_key(row.values[field]), []).append(row)
        except ValueError as exc:
            row.reject(str(exc))
    found: dict[str, tuple[int, int | None]] = {}
    for batch in chunks(list(keys), 2000):
        for key, cid, owner in ctx.session.execute(
            select(Customer.name_key, Customer.id, Customer.owner_id).where(
                among(ctx.session, Customer.name_key, batch)
            )
        ):
            found[key] = (cid, owner)
    for key, group in keys.items():
        for row in group:
            if key in found:
                row.values["customer_id"], row.values["customer_owner_id"] = found[key]
            else:
                row.reject(i18n._("No customer {ref}.", ref=row.values[field]))


def resolve_users(ctx: Context, rows: list[ImportRow], field: str, doing: str) -> None:
    """Resolve each row's user reference in `field` (a login, else a unique display name) to
    `values[field + "_user"]`, rejecting rows whose user is unknown, ambiguous, deactivated, or
    not one the importing user may act for ("may not {doing} for ...")."""
    refs = {r.values[field] for r in rows if r.ok and r.values.get(field)}
    if not refs:
        return
    by_login: dict[str, User] = {}
    by_name: dict[str, list[User]] = {}
    for each in ctx.session.scalars(
        select(User).where(or_(User.login.in_(refs), User.name.in_(refs)))
    ):
        by_login[each.login] = each
        by_name.setdefault(each.name, []).append(each)
    found: dict[str, User | str] = {}
    for ref in refs:
        named = by_name.get(ref, [])
        user = by_login.get(ref) or (named[0] if len(named) == 1 else None)
        if user is None:
            found[ref] = (
                i18n._("{name} names several users: use the login", name=ref)
                if named
                else i18n._("No user {login}.", login=ref)
            )
        elif not user.active:
            found[ref] = f"user {user.login} is deactivated"
        elif not manages(ctx, user):
            found[ref] = f"{ctx.actor.login} may not {doing} for {user.login}"
        else:
            found[ref] = user
    for row in rows:
        ref = row.values.get(field)
        if not row.ok or not ref:
            continue
        result = found[ref]
        if isinstance(result, str):
            row.reject(result)
        else:
            row.values[f"{field}_user"] = result


# -- contacts ----------------------------------------------------------------------------------


def _check_contacts(ctx: Context, rows: list[ImportRow]) -> None:
    visible_customers(ctx, rows)
    for row in rows:
        owner = row.values.get("customer_owner_id")
        if row.ok and ctx.actor.role == "sales" and owner not in (None, ctx.actor.id):
            row.reject(i18n._("{name} is not yours to change", name=row.values["customer"]))


def _contact_keys(values: Mapping[str, Any]) -> Sequence[Hashable]:
    return ((values["customer_id"], values["name"].strip()),)


def _match_contacts(ctx: Context, rows: list[ImportRow]) -> None:
    ids = {r.values["customer_id"] for r in rows}
    stored: dict[tuple[int, str], int] = {}
    for batch in chunks(list(ids), 2000):
        for cid, name, contact_id in ctx.session.execute(
            select(_contacts.c.customer_id, _contacts.c.name, _contacts.c.id).where(
                among(ctx.session, _contacts.c.customer_id, batch)
            )
        ):
            stored[(cid, name)] = contact_id
    for row in rows:
        found = stored.get((row.values["customer_id"], row.values["name"]))
        if found is not None:
            row.existing = Existing(found, f"{row.values['customer']} / {row.values['name']}", True)


def _insert_contacts(ctx: Context, rows: list[ImportRow]) -> list[int]:
    now = ctx.now()
    ids = bulk.insert_rows(
        ctx.session,
        _contacts,
        [
            {
                "customer_id": row.values["customer_id"],
                "name": row.values["name"],
                "title": row.values.get("title"),
                "phone": row.values.get("phone"),
                "email": row.values.get("email"),
                "notes": row.values.get("notes"),
                "created_at": now,
            }
            for row in rows
        ],
    )
    audit_trail.record(
        ctx.session,
        ({"action": "import", "entity": "crm_contact", "entity_id": str(i)} for i in ids),
    )
    return ids


CONTACT_FIELDS = ("title", "phone", "email", "notes")


def _update_contacts(ctx: Context, rows: list[ImportRow]) -> int:
    changed = [r for r in rows if any(r.values.get(f) for f in CONTACT_FIELDS)]
    if not changed:
        return 0
    stored = {
        c.id: c
        for batch in chunks([r.existing.id for r in changed if r.existing], 2000)
        for c in ctx.session.execute(select(_contacts).where(_contacts.c.id.in_(batch)))
    }
    params = []
    for row in changed:
        assert row.existing is not None
        current = stored[row.existing.id]
        params.append(
            {
                "_id": current.id,
                **{f: row.values.get(f) or getattr(current, f) for f in CONTACT_FIELDS},
            }
        )
    ctx.session.connection().execute(
        update(_contacts)
        .where(_contacts.c.id == bindparam("_id"))
        .values({f: bindparam(f) for f in CONTACT_FIELDS}),
        params,
    )
    audit_trail.record(
        ctx.session,
        (
            {
                "action": "update",
                "entity": "crm_contact",
                "entity_id": str(p["_id"]),
                "field": f,
                "old_value": audit_trail.render(getattr(stored[p["_id"]], f)),
                "new_value": audit_trail.render(p[f]),
            }
            for p in params
            for f in CONTACT_FIELDS
            if p[f] != getattr(stored[p["_id"]], f)
        ),
    )
    return len(params)


#: `crm export contacts --where` filters applied in SQL (others are compared on the values).
CONTACT_FILTERS = ("customer",)


def _named(name: str) -> Any:
    """The customer called exactly `name`, found through the unique name key."""
    return and_(Customer.name_key == name_key(name), Customer.name == name)


def _contact_rows(filters: Mapping[str, str]) -> Any:
    query = select(Contact, Customer.name).join(Customer, Customer.id == Contact.customer_id)
    if "customer" in filters:
        query = query.where(_named(filters["customer"]))
    return query


def _count_contacts(ctx: Context, filters: Mapping[str, str], cap: int) -> int:
    return capped_count(ctx, _contact_rows(filters).with_only_columns(Contact.id), cap)


def _export_contacts(ctx: Context, filters: Mapping[str, str]) -> Iterator[Mapping[str, Any]]:
    after = 0
    while True:
        page = ctx.session.execute(
            _contact_rows(filters).where(Contact.id > after).order_by(Contact.id).limit(1000)
        ).all()
        if not page:
            return
        for contact, customer_name in page:
            yield {
                "id": contact.id,
                "customer": customer_name,
                "name": contact.name,
                "title": contact.title,
                "phone": contact.phone,
                "email": contact.email,
                "notes": contact.notes,
            }
        after = page[-1][0].id


def contacts_importer() -> Importer:
    return Importer(
        entity="contacts",
        title="Contacts",
        columns=(
            Column("customer", ("客户名称", "公司名称", "客户", "公司", "company"), required=True),
            Column("name", ("姓名", "联系人", "联系人姓名", "contact"), required=True),
            Column("title", ("职位", "职务", "position")),
            Column("phone", ("手机", "联系电话", "电话", "手机号", "mobile", "tel")),
            Column("email", ("电子邮箱", "邮箱", "e-mail")),
            Column("notes", ("说明", "备注", "remarks")),
        ),
        check=_check_contacts,
        keys=_contact_keys,
        match=_match_contacts,
        insert=_insert_contacts,
        update=_update_contacts,
        export=_export_contacts,
        export_count=_count_contacts,
        export_filters=CONTACT_FILTERS,
    )


# -- products ----------------------------------------------------------------------------------


def _check_products(ctx: Context, rows: list[ImportRow]) -> None:
    if not ctx.actor.is_admin and ctx.actor.role != "manager":
        for row in rows:
            row.reject(f"{ctx.actor.login} may not import products")


def _match_products(ctx: Context, rows: list[ImportRow]) -> None:
    by_code = {r.values["code"]: r for r in rows}
    for batch in chunks(list(by_code), 2000):
        for code, pid, name in ctx.session.execute(
            select(_products.c.code, _products.c.id, _products.c.name).where(
                among(ctx.session, _products.c.code, batch)
            )
        ):
            by_code[code].existing = Existing(pid, f"{code} {name}", True)


def _insert_products(ctx: Context, rows: list[ImportRow]) -> list[int]:
    now = ctx.now()
    ids = bulk.insert_rows(
        ctx.session,
        _products,
        [
            {
                "code": row.values["code"],
                "name": row.values["name"],
                "product_line": row.values.get("product_line"),
                "unit": row.values.get("unit") or "pcs",
                "price": row.values.get("price", to_money(0)),
                "active": True,
                "created_at": now,
            }
            for row in rows
        ],
    )
    audit_trail.record(
        ctx.session,
        ({"action": "import", "entity": "crm_product", "entity_id": str(i)} for i in ids),
    )
    return ids


PRODUCT_FIELDS = ("name", "product_line", "unit", "price")


def _update_products(ctx: Context, rows: list[ImportRow]) -> int:
    count = 0
    for row in rows:
        assert row.existing is not None
        product = ctx.session.get(Product, row.existing.id)
        assert product is not None
        for field in PRODUCT_FIELDS:
            if row.values.get(field) is not None:
                setattr(product, field, row.values[field])
        count += 1
    ctx.session.flush()  # audited by the flush listener, field by field
    return count


def _count_products(ctx: Context, filters: Mapping[str, str], cap: int) -> int:
    return capped_count(ctx, select(Product.id), cap)


def _export_products(ctx: Context, filters: Mapping[str, str]) -> Iterator[Mapping[str, Any]]:
    after = 0
    while True:
        page = products.list_page(ctx, after_id=after, limit=1000)
        if not page:
            return
        for p in page:
            yield {
                "id": p.id,
                "code": p.code,
                "name": p.name,
                "product_line": p.product_line,
                "unit": p.unit,
                "price": p.price,
            }
        after = page[-1].id


def products_importer() -> Importer:
    return Importer(
        entity="products",
        title="Products",
        columns=(
            Column("code", ("产品编码", "编号", "编码", "货号", "sku"), required=True),
            Column("name", ("产品名称", "名称", "品名", "product"), required=True),
            Column("product_line", ("产品线", "产品类别", "类别")),
            Column("unit", ("单位",)),
            Column(
                "price", ("单价", "价格", "售价"), parse=lambda t: products.parse_amount(t, "price")
            ),
        ),
        check=_check_products,
        keys=lambda values: (values["code"],),
        match=_match_products,
        insert=_insert_products,
        update=_update_products,
        export=_export_products,
        export_count=_count_products,
    )


# -- interactions ------------------------------------------------------------------------------


def _check_interactions(ctx: Context, rows: list[ImportRow]) -> None:
    resolve = picklists.resolver(ctx, "interaction_kind")
    if resolve is not None:
        for row in rows:
            try:
                row.values["kind"] = resolve(row.values["kind"])
            except ValidationError as exc:
                row.reject(str(exc))
    visible_customers(ctx, rows)
    resolve_users(ctx, rows, "user", "log interactions")
    contact_names = {
        (r.values["customer_id"], r.values["contact"])
        for r in rows
        if r.ok and r.values.get("contact")
    }
    contacts: dict[tuple[int, str], int] = {}
    for batch in chunks(sorted({cid for cid, _n in contact_names}), 2000):
        for cid, name, contact_id in ctx.session.execute(
            select(_contacts.c.customer_id, _contacts.c.name, _contacts.c.id).where(
                among(ctx.session, _contacts.c.customer_id, batch)
            )
        ):
            contacts[(cid, name)] = contact_id
    for row in rows:
        if not row.ok:
            continue
        values = row.values
        user = values.get("user_user")
        user_id = user.id if user is not None else ctx.actor.id
        if user_id is None:
            row.reject("interactions are logged by a user: pass --as LOGIN")
            continue
        if ctx.actor.role == "sales" and values["customer_owner_id"] not in (None, ctx.actor.id):
            row.reject(i18n._("{name} is not yours to change", name=values["customer"]))
            continue
        try:
            moment = interactions.check_moment(
                ctx, values.get("occurred_at"), values.get("next_contact_on")
            )
        except ValidationError as exc:
            row.reject(str(exc))
            continue
        contact_id = None
        if values.get("contact"):
            contact_id = contacts.get((values["customer_id"], values["contact"]))
            if contact_id is None:
                row.reject(f"{values['customer']} has no contact {values['contact']!r}")
                continue
        values.update(user_id=user_id, moment=moment, contact_id=contact_id)


def insert_interactions(ctx: Context, rows: list[ImportRow]) -> list[int]:
    """Insert checked interaction rows (values: customer_id, user_id, kind, moment...)."""
    now = ctx.now()
    ids = bulk.insert_rows(
        ctx.session,
        _interactions,
        [
            {
                "customer_id": row.values["customer_id"],
                "contact_id": row.values.get("contact_id"),
                "user_id": row.values["user_id"],
                "kind": row.values["kind"],
                "occurred_at": row.values["moment"],
                "notes": row.values.get("notes"),
                "next_contact_on": row.values.get("next_contact_on"),
                "created_at": now,
            }
            for row in rows
        ],
    )
    audit_trail.record(
        ctx.session,
        ({"action": "import", "entity": "crm_interaction", "entity_id": str(i)} for i in ids),
    )
    logged = list(
        ctx.session.scalars(
            select(Interaction).where(Interaction.id.in_(ids)).order_by(Interaction.id)
        )
    )
    ctx.hook.crm_interactions_logged(ctx=ctx, interactions=logged)
    return ids


#: `crm export interactions --where` filters applied in SQL: a salesperson's, a kind's or a
#: customer's interactions out of ten million without comparing each row's values in Python.
INTERACTION_FILTERS = ("customer", "kind", "user")


def _interaction_rows(filters: Mapping[str, str]) -> Any:
    query = (
        select(Interaction, Customer.name, User.login)
        .join(Customer, Customer.id == Interaction.customer_id)
        .join(User, User.id == Interaction.user_id)
    )
    if "customer" in filters:
        query = query.where(_named(filters["customer"]))
    if "kind" in filters:
        query = query.where(Interaction.kind == filters["kind"])
    if "user" in filters:
        query = query.where(User.login == filters["user"])
    return query


def _count_interactions(ctx: Context, filters: Mapping[str, str], cap: int) -> int:
    return capped_count(ctx, _interaction_rows(filters).with_only_columns(Interaction.id), cap)


def _export_interactions(ctx: Context, filters: Mapping[str, str]) -> Iterator[Mapping[str, Any]]:
    after = 0
    while True:
        page = ctx.session.execute(
            _interaction_rows(filters)
            .where(Interaction.id > after)
            .order_by(Interaction.id)
            .limit(1000)
        ).all()
        if not page:
            return
        for item, customer_name, login in page:
            yield {
                "id": item.id,
                "customer": customer_name,
                "kind": item.kind,
                "occurred_at": ctx.local(item.occurred_at),
                "notes": item.notes,
                "next_contact_on": item.next_contact_on,
                "user": login,
            }
        after = page[-1][0].id


def interactions_importer() -> Importer:
    return Importer(
        entity="interactions",
        title="Interactions",
        columns=(
            Column("customer", ("客户名称", "客户", "公司名称", "company"), required=True),
            Column(
                "kind",
                ("跟进方式", "方式", "类型", "type"),
                required=True,
                parse=parse_interaction_kind,
            ),
            Column(
                "occurred_at",
                ("日期", "时间", "跟进日期", "跟进时间", "拜访日期", "date"),
                parse=parse_moment,
            ),
            Column("notes", ("内容", "跟进内容", "备注", "说明", "notes")),
            Column(
                "next_contact_on", ("下次联系", "下次跟进", "下次跟进日期", "next"), parse=parse_day
            ),
            Column("contact", ("联系人",)),
            Column("user", ("业务员", "跟进人", "销售", "salesperson")),
        ),
        check=_check_interactions,
        insert=insert_interactions,
        export=_export_interactions,
        export_count=_count_interactions,
        export_filters=INTERACTION_FILTERS,
    )
