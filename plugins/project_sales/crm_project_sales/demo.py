"""Fictional demo data for block 2: projects at every stage, with gates met, decision trees,
competitors, quotes, costs and tasks, on customers block 1 (or the core) already holds."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from random import Random

from sqlalchemy import select

from crm_core.contract import Context, customers
from crm_core.contract.models import Contact, Customer, Product, User
from crm_project_sales.models import Project
from crm_project_sales.services import (
    collaboration,
    decision,
    deliverables,
    money,
    pipeline,
    projects,
)

COMPETITORS = ("蓝泉水务科技有限公司", "清波环境设备有限公司", "汇净科技集团有限公司")
PROJECT_NAMES = ("办公楼直饮水改造", "厂区净水系统", "学校饮水工程", "医院纯水系统", "园区节水改造")


def seed(ctx: Context, rng: Random, scale: int) -> None:
    for name in COMPETITORS:
        if ctx.session.scalar(select(Customer.id).where(Customer.name == name)) is None:
            customers.create(ctx, {"name": name, "kind": "competitor"}, pool=True)
    sellers = {u.id: u.login for u in ctx.session.scalars(select(User).where(User.role == "sales"))}
    targets = list(
        ctx.session.scalars(
            select(Customer)
            .where(Customer.kind == "customer", Customer.owner_id.in_(list(sellers)))
            .order_by(Customer.id)
            .limit(12 * scale)
        )
    )
    products = list(ctx.session.scalars(select(Product).where(Product.active.is_(True)).limit(4)))
    scratch = Path(tempfile.mkdtemp(prefix="crm-demo-files-"))
    today = ctx.today()
    for customer in targets:
        if customer.level in ("blacklist",):
            continue
        category = rng.choice(("standard", "standard", "engineering"))
        project = projects.create(
            ctx,
            str(customer.id),
            f"{rng.choice(PROJECT_NAMES)}",
            expected_amount=Decimal(rng.randint(5, 200) * 10000),
            expected_close=today + timedelta(days=rng.randint(-20, 120)),
            category=category,
            owner_login=sellers[customer.owner_id or 0],
        )
        people = list(
            ctx.session.scalars(select(Contact).where(Contact.customer_id == customer.id).limit(3))
        )
        boss = None
        for index, person in enumerate(people):
            role = ("decision_maker", "technical_evaluator", "user")[index]
            decision.add_person(
                ctx,
                project,
                str(person.id),
                role,
                rng.choice(("supporter", "neutral", "opponent")),
                reports_to=str(boss.id) if boss else None,
            )
            boss = boss or person
        decision.add_competitor(
            ctx,
            project,
            rng.choice(COMPETITORS),
            strengths="价格低",
            weaknesses="服务网点少",
            quoted_price=str(rng.randint(4, 180) * 10000),
        )
        target_steps = rng.randint(0, 6)
        for _ in range(target_steps):
            if not _step(ctx, project, rng, scratch, products):
                break
        if project.closed_at is None and rng.random() < 0.15:
            projects.lose(
                ctx, project.id, rng.choice(("价格没有优势", "客户预算取消", "竞争对手关系更好"))
            )
        money.add_cost(ctx, project, "expense", "差旅", Decimal(rng.randint(200, 5000)))
        if project.contract_amount:
            money.add_cost(
                ctx,
                project,
                "goods",
                "设备采购",
                (project.contract_amount * Decimal("0.48")).quantize(Decimal("1")),
            )
            money.add_cost(
                ctx,
                project,
                "cost",
                "安装调试",
                (project.contract_amount * Decimal("0.07")).quantize(Decimal("1")),
            )
        collaboration.add_task(
            ctx,
            project,
            "准备下次拜访材料",
            sellers[project.owner_id],
            today + timedelta(days=rng.randint(-5, 10)),
        )
        collaboration.add_note(ctx, project, "客户关注交付周期与售后响应时间。")


def _step(
    ctx: Context, project: Project, rng: Random, scratch: Path, products: list[Product]
) -> bool:
    """Meet the current gate, then advance one stage; False once the project is closed."""
    current = pipeline.stage(ctx, project.category, project.stage_code)
    if current.outcome != "open":
        return False
    for need in pipeline.requirements(ctx, project.category):
        if need.stage_code != current.code:
            continue
        if need.kind == "record":
            deliverables.add(
                ctx, project, need.deliverable, record={"amount": str(project.expected_amount)}
            )
        else:
            path = scratch / f"{project.id}-{need.deliverable}.txt"
            path.write_text(f"{need.label_zh}：项目 {project.name}（演示文件）\n", encoding="utf-8")
            deliverables.add(ctx, project, need.deliverable, path=path)
    if current.code == "quotation" and products:
        items = [
            money.QuoteItem(
                p.code,
                rng.randint(1, 10),
                None,
                Decimal(rng.choice((0, 5, 10))),
                (p.price * Decimal("0.6")).quantize(Decimal("0.01")),
            )
            for p in products[:2]
        ]
        quote = money.add_quote(ctx, project, items)
        money.set_quote_status(ctx, project, quote.version, "accepted")
    projects.advance(ctx, project.id)
    return True
