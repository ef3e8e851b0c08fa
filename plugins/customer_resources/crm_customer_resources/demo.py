"""Fictional demo data for block 1: levels, orders with payment plans, payments, expenses,
knowledge articles and service cases, on the customers the core already generated."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from random import Random

from sqlalchemy import select

from crm_core.contract import Context, customers
from crm_core.contract.models import Customer, Product, User
from crm_customer_resources.models import Article
from crm_customer_resources.models.expenses import EXPENSE_CATEGORIES
from crm_customer_resources.services import cases, expenses, knowledge, lifecycle, orders

ARTICLES = (
    (
        "竞品分析：某品牌净水器",
        "competitor",
        "对手价格低 15%，但滤芯寿命短、售后网点少。应对：强调三年质保和上门服务。",
    ),
    (
        "常见问题：滤芯多久更换一次？",
        "faq",
        "PP 棉建议 3-6 个月，RO 膜 2-3 年，视水质而定。系统会按订单提醒客户复购。",
    ),
    (
        "方案模板：办公楼直饮水",
        "proposal",
        "按楼层配置商用净水机，含安装、年度维护和水质检测报告。",
    ),
    (
        "销售技巧：首次拜访五步法",
        "technique",
        "预约、破冰、需求挖掘、方案演示、约定下一步。每次拜访后当天录入联系记录。",
    ),
)


def seed(ctx: Context, rng: Random, scale: int) -> None:
    owned = list(
        ctx.session.scalars(
            select(Customer)
            .where(Customer.owner_id.is_not(None), Customer.kind == "customer")
            .order_by(Customer.id)
        )
    )
    lifecycle.ensure_profiles(ctx, [c.id for c in owned])
    products = list(ctx.session.scalars(select(Product).where(Product.active.is_(True))))
    today = ctx.today()
    for customer in owned:
        roll = rng.random()
        if customer.level != "lead":
            continue
        if roll < 0.35:
            customers.set_level(ctx, str(customer.id), "contacted")
        elif roll < 0.55:
            customers.set_level(ctx, str(customer.id), "qualified")
        elif roll < 0.85 and products:
            customers.set_level(ctx, str(customer.id), "signed")
            for _ in range(rng.randint(1, 3)):
                picks = rng.sample(products, k=min(len(products), rng.randint(1, 3)))
                day = today - timedelta(days=rng.randint(5, 200))
                order = orders.create(
                    ctx,
                    str(customer.id),
                    [orders.LineRequest(p.code, rng.randint(1, 20)) for p in picks],
                    ordered_on=day,
                    installments=rng.choice((1, 2, 3)),
                    every_days=30,
                )
                owed = orders.outstanding(ctx, order)
                share = rng.choice((Decimal(0), Decimal("0.5"), Decimal(1)))
                if share and owed > 0:
                    paid = (owed * share).quantize(Decimal("0.01"))
                    orders.pay(
                        ctx,
                        order.number,
                        paid,
                        received_on=min(today, day + timedelta(days=rng.randint(1, 40))),
                    )
        elif roll < 0.9:
            customers.set_level(ctx, str(customer.id), "blacklist")
    people = list(
        ctx.session.scalars(select(User).where(User.role == "sales", User.active.is_(True)))
    )
    for person in people:
        for _ in range(4 * scale):
            spent_for = rng.choice(owned) if owned and rng.random() < 0.6 else None
            expenses.record(
                ctx,
                Decimal(rng.randint(50, 3000)),
                rng.choice(EXPENSE_CATEGORIES),
                spent_on=today - timedelta(days=rng.randint(0, 120)),
                customer_ref=str(spent_for.id) if spent_for else None,
                for_login=person.login,
                notes="演示费用",
            )
    if not ctx.session.scalar(select(Article.id).limit(1)):
        for title, category, body in ARTICLES:
            knowledge.add(ctx, title, category, body)
    for customer in rng.sample(owned, k=min(len(owned), 3 * scale)):
        case = cases.open_case(
            ctx,
            str(customer.id),
            rng.choice(("complaint", "feedback")),
            rng.choice(("安装延期", "滤芯漏水", "希望增加上门次数", "发票开错")),
        )
        if rng.random() < 0.5:
            cases.move(ctx, case.id, "resolved", "已安排工程师上门处理")
