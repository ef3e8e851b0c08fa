"""Customers in bulk (import): checked, matched against every stored customer (seen or not),
inserted with COPY / executemany, updated in place, a contact created from the same row.

Hooks fire once per batch: crm_validate_customer_changes before writing, then
crm_customers_created or crm_customers_updated.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, select, update

from crm_core.foundation import i18n
from crm_core.foundation.errors import CrmError, ValidationError
from crm_core.foundation.initials import initials
from crm_core.foundation.normalize import name_key, phone_key
from crm_core.foundation.schema import table_of
from crm_core.hooks.changes import CustomerChange
from crm_core.hooks.context import Context
from crm_core.hooks.importers import Column, Existing, Importer, ImportRow
from crm_core.kernel import audit_trail, batches, bulk
from crm_core.kernel.models import KINDS, Contact, Customer, OwnershipPeriod, User
from crm_core.kernel.planner import among
from crm_core.services import bulk_records, customers, picklists
from crm_core.services.common import chunks

_customers = table_of(Customer)
_users = table_of(User)
_contacts = table_of(Contact)

KIND_LABELS = {
    "客户": "customer",
    "供应商": "supplier",
    "合作伙伴": "partner",
    "伙伴": "partner",
    "代理商": "agent",
    "经销商": "agent",
    "竞争对手": "competitor",
}
CONTACT_FIELDS = ("contact", "contact_title", "email")


def parse_kind(text: str) -> str:
    kind = KIND_LABELS.get(text, text.casefold())
    if kind not in KINDS:
        raise ValueError(i18n._("unknown kind {kind}", kind=text))
    return kind


COLUMNS = (
    Column(
        "name",
        (
            "客户名称",
            "客户",
            "公司名称",
            "公司",
            "单位名称",
            "企业名称",
            "客户全称",
            "company",
            "customer",
            "company name",
            "customer name",
        ),
        required=True,
    ),
    Column("kind", ("客户类型", "类型", "type"), parse=parse_kind),
    Column("level", ("客户级别", "级别", "等级", "客户等级", "客户状态")),
    Column("industry", ("行业", "所属行业", "行业类别")),
    Column(
        "region", ("地区", "区域", "所在地区", "所在地", "省份", "城市", "area", "city", "province")
    ),
    Column(
        "phone",
        (
            "电话",
            "手机",
            "联系电话",
            "手机号",
            "手机号码",
            "电话号码",
            "联系方式",
            "联系人电话",
            "联系人手机",
            "mobile",
            "tel",
            "telephone",
        ),
    ),
    Column("address", ("地址", "详细地址", "公司地址", "通讯地址")),
    Column("notes", ("备注", "说明", "remark", "remarks", "comment")),
    Column(
        "owner", ("负责人", "负责人登录名", "业务员", "销售", "销售员", "跟进人", "salesperson")
    ),
    Column("contact", ("联系人", "联系人姓名", "contact person")),
    Column("contact_title", ("职位", "职务", "联系人职位", "title", "position")),
    Column("email", ("邮箱", "电子邮箱", "联系人邮箱", "e-mail")),
)


def importer() -> Importer:
    return Importer(
        entity="customers",
        title="Customers",
        columns=COLUMNS,
        check=check,
        keys=keys,
        match=match,
        insert=insert,
        update=update_rows,
        export=export,
        export_count=export_count,
        export_filters=EXPORT_FILTERS,
    )


def keys(values: Mapping[str, Any]) -> Sequence[Hashable]:
    """The name and phone keys `check` computed."""
    phone = values["phone_key"]
    return (("name", values["name_key"]), ("phone", phone) if phone else None)


def check(ctx: Context, rows: list[ImportRow]) -> None:
    """Picklist codes, normalised keys, and owners the importing user may register customers for."""
    resolvers = picklists.bulk_resolver(ctx, "customers", ("kind", "level", "industry", "region"))
    for row in rows:
        for field, resolve in resolvers.items():
            if row.values.get(field):
                try:
                    row.values[field] = resolve(row.values[field])
                except ValidationError as exc:
                    row.reject(str(exc))
    for row in rows:
        try:
            row.values["name_key"] = name_key(row.values["name"])
            row.values["phone_key"] = phone_key(row.values.get("phone"))
        except ValidationError as exc:
            row.reject(str(exc))
    bulk_records.resolve_users(ctx, rows, "owner", "register customers")
    for row in rows:
        owner = row.values.get("owner_user")
        row.values["owner_id"] = owner.id if owner is not None else ctx.actor.id


def match(ctx: Context, rows: list[ImportRow]) -> None:
    """Find stored customers with the same name or phone key, with system rights."""
    by_name = {r.values["name_key"]: r for r in rows}
    by_phone = {r.values["phone_key"]: r for r in rows if r.values.get("phone_key")}
    found: list[tuple[ImportRow, Any, bool]] = []
    for column, lookup in ((_customers.c.name_key, by_name), (_customers.c.phone_key, by_phone)):
        by_phone_key = column is _customers.c.phone_key
        for batch in chunks(list(lookup), 2000):
            for record in ctx.session.execute(
                select(column, _customers.c.id, _customers.c.name, _users.c.name, _users.c.login)
                .outerjoin(_users, _users.c.id == _customers.c.owner_id)
                .where(among(ctx.session, column, batch))
            ):
                found.append((lookup[record[0]], record, by_phone_key))
    if not found:
        return
    ids = list({record[1] for _row, record, _phone in found})
    visible: set[int] = set()
    for batch in chunks(ids, 2000):
        visible.update(
            ctx.session.scalars(select(Customer.id).where(among(ctx.session, Customer.id, batch)))
        )
    for row, (_key, cid, name, owner_name, owner_login), by_phone_key in found:
        if row.existing is not None:
            continue
        hidden = cid not in visible
        if hidden and not customers.probe(ctx, cid, "phone" if by_phone_key else "name"):
            row.reject(
                i18n._(
                    "names a customer held by someone else, and today's {n} such checks are "
                    "spent; ask your manager",
                    n=customers.PROBES_A_DAY,
                )
            )
            continue
        holder = f"{owner_name} ({owner_login})" if owner_login else i18n._("the shared pool")
        # A phone match names the holder only, unless the importing user may see the customer.
        label = name if cid in visible or not by_phone_key else i18n._("a customer with this phone")
        row.existing = Existing(cid, label, cid in visible, i18n._("held by {who}", who=holder))


def insert(ctx: Context, rows: list[ImportRow]) -> list[int]:
    """Insert one batch of checked rows: customers, ownership history, contacts, audit."""
    row_label = i18n._("row {row}", row="{row}")  # translated once, filled per row
    changes = [
        CustomerChange(
            None,
            None,
            {**_fields(row.values), "owner_id": row.values["owner_id"]},
            label=row_label.format(row=row.number),
        )
        for row in rows
    ]
    ctx.hook.crm_validate_customer_changes(ctx=ctx, changes=changes)
    now = ctx.now()
    actor = ctx.actor.id
    values = [
        {
            **change.after,
            "kind": change.after.get("kind") or "customer",
            "level": change.after.get("level") or "lead",
            "name_key": row.values["name_key"],
            "initials": initials(row.values["name_key"]),
            "phone_key": row.values["phone_key"],
            "created_by_id": actor,
            "created_at": now,
            "updated_at": now,
        }
        for row, change in zip(rows, changes, strict=True)
    ]
    ids = bulk.insert_rows(ctx.session, _customers, values)
    bulk.insert_rows(
        ctx.session,
        table_of(OwnershipPeriod),
        [
            {
                "customer_id": cid,
                "owner_id": v["owner_id"],
                "started_at": now,
                "ended_at": None,
                "reason": "imported",
            }
            for cid, v in zip(ids, values, strict=True)
        ],
        with_ids=False,
    )
    _add_contacts(ctx, [(cid, row) for cid, row in zip(ids, rows, strict=True)])
    audit_trail.record(
        ctx.session,
        (
            {
                "action": "import",
                "entity": "crm_customer",
                "entity_id": str(cid),
                "new_value": audit_trail.render(change.after),
            }
            for cid, change in zip(ids, changes, strict=True)
        ),
    )
    ctx.hook.crm_customers_created(ctx=ctx, customer_ids=ids)
    return ids


def _add_contacts(ctx: Context, pairs: list[tuple[int, ImportRow]]) -> None:
    """The contact a row names, one INSERT for the batch, each with its audit row (as
    `contacts add` leaves one)."""
    wanted = [(cid, row) for cid, row in pairs if row.values.get("contact")]
    if not wanted:
        return
    now = ctx.now()
    values = [
        {
            "customer_id": cid,
            "name": row.values["contact"],
            "title": row.values.get("contact_title"),
            "phone": row.values.get("phone"),
            "email": row.values.get("email"),
            "notes": None,
            "created_at": now,
        }
        for cid, row in wanted
    ]
    ids = bulk.insert_rows(ctx.session, _contacts, values)
    audit_trail.record(
        ctx.session,
        (
            {
                "action": "import",
                "entity": "crm_contact",
                "entity_id": str(contact_id),
                "new_value": audit_trail.render(
                    {k: v for k, v in value.items() if k != "created_at"}
                ),
            }
            for contact_id, value in zip(ids, values, strict=True)
        ),
    )


def update_rows(ctx: Context, rows: list[ImportRow]) -> int:
    """Apply rows to the customers they duplicate: filled cells overwrite, empty cells keep."""
    ids = [row.existing.id for row in rows if row.existing is not None]
    stored = {
        r.id: r
        for batch in chunks(ids, 2000)
        for r in ctx.session.execute(select(_customers).where(_customers.c.id.in_(batch)))
    }
    changes: list[tuple[ImportRow, CustomerChange]] = []
    for row in rows:
        assert row.existing is not None
        current = stored[row.existing.id]
        if ctx.actor.role == "sales" and current.owner_id != ctx.actor.id:
            row.reject(i18n._("{name} is not yours to change", name=current.name))
            continue
        named_owner = row.values.get("owner") and not row.values.get("_owner_by_default")
        if named_owner and row.values.get("owner_id") != current.owner_id:
            row.reject(i18n._("a new owner is a transfer: use crm customers transfer"))
            continue
        before = {f: getattr(current, f) for f in customers.EDITABLE}
        after = {**before, **{f: v for f, v in _fields(row.values).items() if v is not None}}
        if row.values.get("name_key", current.name_key) == current.name_key:
            after["name"] = current.name  # the same company written another way: keep the name
        if after != before:
            label = i18n._("row {row}", row=row.number)
            changes.append((row, CustomerChange(current.id, before, after, label=label)))
    changes = _validated(ctx, _unique(ctx, changes))
    if not changes:
        return 0
    now = ctx.now()
    moving = [change.customer_id for _row, change in changes if change.customer_id is not None]
    with batches.customers_changing(ctx.session, moving):
        ctx.session.connection().execute(
            update(_customers)
            .where(_customers.c.id == bindparam("_id"))
            .values(
                {
                    f: bindparam(f)
                    for f in (
                        *customers.EDITABLE,
                        "name_key",
                        "phone_key",
                        "initials",
                        "updated_at",
                    )
                }
            ),
            [
                {
                    "_id": change.customer_id,
                    **change.after,
                    "name_key": name_key(change.after["name"]),
                    "initials": initials(name_key(change.after["name"])),
                    "phone_key": phone_key(change.after["phone"]),
                    "updated_at": now,
                }
                for _row, change in changes
            ],
        )
    audit_trail.record(
        ctx.session,
        (
            {
                "action": "update",
                "entity": "crm_customer",
                "entity_id": str(change.customer_id),
                "field": field,
                "old_value": audit_trail.render(change.before[field] if change.before else None),
                "new_value": audit_trail.render(change.after[field]),
            }
            for _row, change in changes
            for field in customers.EDITABLE
            if change.changed(field)
        ),
    )
    _add_contacts(ctx, [(change.customer_id, row) for row, change in changes if change.customer_id])
    ctx.hook.crm_customers_updated(ctx=ctx, changes=[c for _r, c in changes])
    for _row, change in changes:
        if change.changed("level"):
            customer = ctx.session.get(Customer, change.customer_id)
            assert customer is not None and change.before is not None
            ctx.session.refresh(customer)
            ctx.hook.crm_customer_level_changed(
                ctx=ctx,
                customer=customer,
                old_level=change.before["level"],
                new_level=change.after["level"],
            )
    return len(changes)


def _unique(
    ctx: Context, changes: list[tuple[ImportRow, CustomerChange]]
) -> list[tuple[ImportRow, CustomerChange]]:
    """Refuse updates that would give a customer the name or phone of another one."""
    kept = []
    for row, change in changes:
        if change.changed("name") or change.changed("phone"):
            try:
                customers.check_unique(
                    ctx,
                    name_key(change.after["name"]),
                    phone_key(change.after["phone"]),
                    exclude=change.customer_id,
                )
            except CrmError as exc:
                row.reject(str(exc))
                continue
        kept.append((row, change))
    return kept


def _validated(
    ctx: Context, changes: list[tuple[ImportRow, CustomerChange]]
) -> list[tuple[ImportRow, CustomerChange]]:
    """Run the validation hook once for the batch; if it refuses, once per change to find which."""
    if not changes:
        return changes
    try:
        ctx.hook.crm_validate_customer_changes(ctx=ctx, changes=[c for _r, c in changes])
        return changes
    except CrmError:
        kept = []
        for row, change in changes:
            try:
                ctx.hook.crm_validate_customer_changes(ctx=ctx, changes=[change])
                kept.append((row, change))
            except CrmError as exc:
                row.reject(str(exc))
        return kept


def _fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """Every editable field (None when absent): a bulk INSERT needs the same keys in each row."""
    return {f: values.get(f) for f in customers.EDITABLE}


EXPORT_FILTERS = ("kind", "level", "industry", "region", "owner")


def _export_filter(filters: Mapping[str, str]) -> customers.CustomerFilter:
    return customers.CustomerFilter(
        kind=filters.get("kind"),
        level=filters.get("level"),
        industry=filters.get("industry"),
        region=filters.get("region"),
        owner_login=filters.get("owner"),
    )


def export_count(ctx: Context, filters: Mapping[str, str], cap: int) -> int:
    counted = customers.count_visible(ctx, _export_filter(filters), cap)
    return counted.value if counted.exact else cap + 1


def export(ctx: Context, filters: Mapping[str, str]) -> Iterator[Mapping[str, Any]]:
    where = _export_filter(filters)
    after = 0
    while True:
        page = customers.list_page(ctx, where, after_id=after, limit=1000)
        if not page:
            return
        for customer, owner in page:
            yield {
                "id": customer.id,
                **{f: getattr(customer, f) for f in customers.EDITABLE},
                "owner": owner,
            }
        after = page[-1][0].id
