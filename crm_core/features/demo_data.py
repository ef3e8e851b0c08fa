"""Generated, fictional demo data: a sales organisation, customers, contacts, interactions,
products. Every enabled plugin then adds its own through `crm_seed_demo_data`."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from random import Random
from typing import Any

from sqlalchemy import insert, select

from crm_core.foundation.errors import ValidationError
from crm_core.foundation.initials import initials
from crm_core.foundation.normalize import name_key
from crm_core.foundation.schema import table_of
from crm_core.hooks.context import Context
from crm_core.kernel import audit_trail
from crm_core.kernel.models import Contact, Customer, Interaction, OwnershipPeriod, User
from crm_core.services import products, teams, users

CITIES = ("上海", "北京", "杭州", "苏州", "深圳", "成都", "武汉", "南京", "西安", "青岛")
REGIONS = {
    "上海": "华东",
    "杭州": "华东",
    "苏州": "华东",
    "南京": "华东",
    "青岛": "华北",
    "北京": "华北",
    "深圳": "华南",
    "成都": "西南",
    "武汉": "华中",
    "西安": "西北",
}
SYLLABLES = "华远星海恒达嘉信瑞通博泰安宏盛鼎新元丰睿启明辰宇晨光亿联创"
TRADES = (
    ("科技有限公司", "互联网"),
    ("机械制造有限公司", "制造业"),
    ("贸易有限公司", "批发零售"),
    ("医疗器械有限公司", "医疗"),
    ("教育咨询有限公司", "教育"),
    ("物流有限公司", "物流"),
    ("建设工程有限公司", "建筑"),
    ("能源科技有限公司", "能源"),
)
SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林高罗"
GIVEN = "伟芳娜敏静强磊军洋勇艳杰涛明超秀兰霞平刚桂英"
TITLES = ("总经理", "采购经理", "技术总监", "财务主管", "行政主管", "项目经理")
NOTES = (
    "电话沟通需求",
    "上门拜访，演示产品",
    "发送报价单",
    "参加展会交流",
    "回访使用情况",
    "商务洽谈",
)

ORG = (
    # team, parent
    ("销售中心", None),
    ("华东大区", "销售中心"),
    ("华南大区", "销售中心"),
    ("上海一组", "华东大区"),
)
STAFF = (
    # login, name, role, team
    ("zhou", "周总监", "manager", "销售中心"),
    ("wu", "吴经理", "manager", "华东大区"),
    ("zheng", "郑经理", "manager", "华南大区"),
    ("sun", "孙组长", "manager", "上海一组"),
    ("li", "李明", "sales", "上海一组"),
    ("wang", "王芳", "sales", "上海一组"),
    ("chen", "陈强", "sales", "华东大区"),
    ("lin", "林静", "sales", "华南大区"),
)
PRODUCTS = (
    ("JS-100", "家用净水器", "净水", "台", "1999.00"),
    ("JS-200", "商用净水机", "净水", "台", "8800.00"),
    ("LX-01", "PP棉滤芯", "耗材", "支", "39.00"),
    ("LX-02", "RO反渗透膜", "耗材", "支", "299.00"),
    ("KQ-300", "空气净化器", "空气", "台", "2599.00"),
    ("FW-01", "上门安装服务", "服务", "次", "200.00"),
)


def person(rng: Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def company(rng: Random) -> tuple[str, str, str]:
    city = rng.choice(CITIES)
    trade, industry = rng.choice(TRADES)
    core = "".join(rng.sample(SYLLABLES, 2))
    return f"{city}{core}{trade}", industry, REGIONS[city]


def seed(ctx: Context, *, scale: int = 1, seed_value: int = 2026) -> dict[str, int]:
    """Create the demo organisation and `60 * scale` customers with contacts and interactions.

    Scale 0 creates the organisation and the products only: a company before its CRM."""
    if not ctx.actor.is_admin:
        raise ValidationError("only an admin may generate demo data")
    rng = Random(seed_value)
    existing = set(ctx.session.scalars(select(User.login)))
    if "li" not in existing:
        for team, parent in ORG:
            teams.add(ctx, team, parent)
        for login, name, role, team in STAFF:
            users.add(ctx, login, name, role, team)
        for code, name, line, unit, price in PRODUCTS:
            products.add(ctx, code, name, price=Decimal(price), unit=unit, product_line=line)
    if scale == 0:
        return {"customers": 0, "contacts": 0, "interactions": 0}
    sellers = {
        u.login: u.id
        for u in ctx.session.scalars(
            select(User).where(User.role == "sales", User.active.is_(True))
        )
    }
    taken = set(ctx.session.scalars(select(Customer.name_key)))
    phones = set(
        ctx.session.scalars(select(Customer.phone_key).where(Customer.phone_key.is_not(None)))
    )
    now = ctx.now()
    rows: list[dict[str, Any]] = []
    while len(rows) < 60 * scale:
        name, industry, region = company(rng)
        key = name_key(name)
        if key in taken:  # the syllable space is small: number the branch office instead
            name = f"{name}（第{len(taken)}分公司）"
            key = name_key(name)
        taken.add(key)
        phone = f"1{rng.randint(3, 9)}{rng.randint(0, 999_999_999):09d}"
        while phone in phones:
            phone = f"1{rng.randint(3, 9)}{rng.randint(0, 999_999_999):09d}"
        phones.add(phone)
        owner = rng.choice([*sellers.values(), None]) if rng.random() < 0.9 else None
        created = now - timedelta(days=rng.randint(0, 365), hours=rng.randint(0, 23))
        rows.append(
            {
                "name": name,
                "name_key": key,
                "initials": initials(key),
                "kind": rng.choices(
                    ("customer", "agent", "partner", "supplier", "competitor"), (80, 8, 5, 4, 3)
                )[0],
                "level": "lead",
                "industry": industry,
                "region": region,
                "phone": phone,
                "phone_key": phone,
                "address": None,
                "notes": None,
                "owner_id": owner,
                "created_by_id": ctx.actor.id,
                "created_at": created,
                "updated_at": created,
            }
        )
    customers = table_of(Customer)
    ids = list(ctx.session.scalars(insert(customers).returning(customers.c.id), rows))
    ctx.session.execute(
        insert(table_of(OwnershipPeriod)),
        [
            {
                "customer_id": cid,
                "owner_id": r["owner_id"],
                "started_at": r["created_at"],
                "ended_at": None,
                "reason": "demo",
            }
            for cid, r in zip(ids, rows, strict=True)
        ],
    )
    contacts: list[dict[str, Any]] = []
    interactions: list[dict[str, Any]] = []
    for cid, row in zip(ids, rows, strict=True):
        for _ in range(rng.randint(1, 3)):
            contacts.append(
                {
                    "customer_id": cid,
                    "name": person(rng),
                    "title": rng.choice(TITLES),
                    "phone": f"13{rng.randint(0, 999_999_999):09d}",
                    "email": None,
                    "notes": None,
                    "created_at": row["created_at"],
                }
            )
        if row["owner_id"] is None:
            continue
        for _ in range(rng.randint(0, 4)):
            at = row["created_at"] + timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 9))
            if at > now:
                continue
            follow = (
                (at + timedelta(days=rng.randint(3, 30))).date() if rng.random() < 0.5 else None
            )
            interactions.append(
                {
                    "customer_id": cid,
                    "contact_id": None,
                    "user_id": row["owner_id"],
                    "kind": rng.choice(("visit", "call", "call", "email", "meeting")),
                    "occurred_at": at,
                    "notes": rng.choice(NOTES),
                    "next_contact_on": follow,
                    "created_at": at,
                }
            )
    if contacts:
        ctx.session.execute(insert(table_of(Contact)), contacts)
    if interactions:
        ctx.session.execute(insert(table_of(Interaction)), interactions)
    audit_trail.record(
        ctx.session,
        [
            {
                "action": "demo-data",
                "entity": "crm_customer",
                "entity_id": "*",
                "new_value": str(len(ids)),
            }
        ],
    )
    ctx.hook.crm_customers_created(ctx=ctx, customer_ids=ids)
    ctx.hook.crm_seed_demo_data(ctx=ctx, rng=rng, scale=scale)
    return {"customers": len(ids), "contacts": len(contacts), "interactions": len(interactions)}
