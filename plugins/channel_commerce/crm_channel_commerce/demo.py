"""Fictional demo data for block 3: two warehouses, stock, dealers from the agent customers, plans,
dealer orders at every status, and marketing materials."""

from __future__ import annotations

from decimal import Decimal
from random import Random

from sqlalchemy import select

from crm_channel_commerce.models import Dealer, Material, Warehouse
from crm_channel_commerce.services import dealers, materials, orders, plans, stock
from crm_core.contract import Context, ValidationError
from crm_core.contract.models import Customer, Product


def seed(ctx: Context, rng: Random, scale: int) -> None:
    for code, name, region in (("SH01", "上海总仓", "华东"), ("GZ01", "广州分仓", "华南")):
        if ctx.session.scalar(select(Warehouse.id).where(Warehouse.code == code)) is None:
            stock.add_warehouse(ctx, code, name, region)
    for code, name, kind in (
        ("POS-01", "产品海报", "poster"),
        ("SMP-01", "滤芯试用装", "sample"),
        ("DSP-01", "展示架", "display"),
    ):
        if ctx.session.scalar(select(Material.id).where(Material.code == code)) is None:
            materials.add(ctx, code, name, kind)
    products = list(ctx.session.scalars(select(Product).where(Product.active.is_(True))))
    for code in ("SH01", "GZ01"):
        for product in products:
            stock.receive(ctx, code, product.code, rng.randint(100, 400) * scale)
    for code in ("POS-01", "SMP-01", "DSP-01"):
        materials.receive(ctx, code, 200 * scale)
    agents = list(
        ctx.session.scalars(select(Customer).where(Customer.kind == "agent").order_by(Customer.id))
    )
    for agent in agents:
        if ctx.session.get(Dealer, agent.id) is None:
            dealers.register(
                ctx,
                str(agent.id),
                level=rng.choice(("一级", "二级")),
                credit_limit=Decimal(rng.choice((50_000, 100_000, 200_000))),
                region=agent.region or "华东",
            )
    today = ctx.today()
    period = f"{today:%Y-%m}"
    for agent in agents:
        plans.set_target(
            ctx, period, Decimal(rng.randint(3, 12) * 10_000), dealer_ref=str(agent.id)
        )
        for _ in range(rng.randint(1, 3)):
            picks = rng.sample(products, k=min(2, len(products)))
            order = orders.create(
                ctx,
                str(agent.id),
                rng.choice(("SH01", "GZ01")),
                [orders.Line(p.code, rng.randint(1, 12)) for p in picks],
                today.replace(day=max(1, today.day - rng.randint(0, 20))),
            )
            try:
                orders.confirm(ctx, order.number)
            except ValidationError:
                continue  # over the credit limit or out of stock: stays a draft, as in real life
            if rng.random() < 0.7:
                orders.ship(ctx, order.number)
                if rng.random() < 0.5:
                    orders.pay(ctx, order.number, order.total)
        materials.issue(
            ctx,
            rng.choice(("POS-01", "SMP-01", "DSP-01")),
            str(agent.id),
            rng.randint(1, 10),
            campaign="双十一",
        )
    for region in {a.region or "华东" for a in agents}:
        plans.set_target(ctx, period, Decimal(300_000), region=region)
