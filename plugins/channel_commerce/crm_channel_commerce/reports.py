"""Channel reports: plan vs actual, stock and movements, credit exposure and ageing, materials issued."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, literal, or_, select

from crm_channel_commerce.models import (
    Dealer,
    DealerOrder,
    DealerOrderLine,
    Material,
    MaterialIssue,
    SalesPlan,
    StockMove,
    Warehouse,
)
from crm_channel_commerce.services import plans, stock
from crm_core.contract import Context, ValidationError
from crm_core.contract.models import Customer, Product
from crm_core.contract.reports import (
    SINCE,
    UNTIL,
    Report,
    ReportParam,
    ReportTable,
    by_param,
    date_window,
    moment_window,
    parse_date,
)
from crm_core.contract.tables import Money, to_money

ZERO = Decimal("0.00")

SOLD = ("confirmed", "shipped", "paid")
PLAN_BY = ("dealer", "region", "product_line")


def plan_vs_actual(ctx: Context, params: Mapping[str, Any]) -> ReportTable:
    """Targets against orders (confirmed or later) in the period; regions roll up their dealers'
    targets when they have no plan of their own."""
    if not params.get("period"):
        raise ValidationError("give the period, e.g. -p period=2026-11")
    _, start, end = plans.parse_period(params["period"])
    by = params["by"]
    key = {"dealer": Customer.name, "region": Dealer.region, "product_line": Product.product_line}[
        by
    ]
    actual_rows = ctx.session.execute(
        select(key, func.sum(DealerOrderLine.amount))
        .select_from(DealerOrderLine)
        .join(DealerOrder, DealerOrder.id == DealerOrderLine.order_id)
        .join(Dealer, Dealer.customer_id == DealerOrder.customer_id)
        .join(Customer, Customer.id == DealerOrder.customer_id)
        .join(Product, Product.id == DealerOrderLine.product_id)
        .where(
            DealerOrder.status.in_(SOLD),
            DealerOrder.ordered_on >= start,
            DealerOrder.ordered_on <= end,
        )
        .group_by(key)
    )
    actual = {k: to_money(v) for k, v in actual_rows}
    plan_key = {
        "dealer": Customer.name,
        "region": func.coalesce(SalesPlan.region, Dealer.region),
        "product_line": SalesPlan.product_line,
    }[by]
    plan_query = (
        select(plan_key, SalesPlan.customer_id.is_(None), func.sum(SalesPlan.target))
        .select_from(SalesPlan)
        .outerjoin(Dealer, Dealer.customer_id == SalesPlan.customer_id)
        .outerjoin(Customer, Customer.id == SalesPlan.customer_id)
        .where(
            SalesPlan.period == params["period"],
            # A dealer's plan counts only when its dealer is visible: the outer join to a
            # hidden customer finds nothing, which must not add the plan under "no dealer".
            or_(SalesPlan.customer_id.is_(None), Customer.id.is_not(None)),
        )
        .group_by(plan_key, SalesPlan.customer_id.is_(None))
    )
    if by == "dealer":
        plan_query = plan_query.where(SalesPlan.customer_id.is_not(None))
    targets: dict[Any, Decimal] = {}
    own_region_plan: set[Any] = set()
    for k, is_region_plan, total in ctx.session.execute(plan_query):
        if by == "region" and is_region_plan:
            own_region_plan.add(k)
            targets[k] = to_money(total)
        elif not (by == "region" and k in own_region_plan):
            targets[k] = targets.get(k, Decimal("0.00")) + to_money(total)
    rows = []
    for k in sorted(set(targets) | set(actual), key=lambda v: (v is None, str(v))):
        target, done = targets.get(k), actual.get(k, Decimal("0.00"))
        rate = (done * 100 / target).quantize(Decimal("0.1")) if target else None
        rows.append((k, target, done, rate))
    return ReportTable((by, "target", "actual", "achieved_pct"), rows)


def stock_on_hand(ctx: Context, params: Mapping[str, Any]) -> ReportTable:
    rows = stock.levels(ctx, params.get("warehouse"))
    return ReportTable(
        ("warehouse", "product", "name", "on_hand", "reserved", "available"),
        [tuple(r.values()) for r in rows],
    )


def stock_movements(ctx: Context, params: Mapping[str, Any]) -> ReportTable:
    """Movements summed by warehouse, product and kind over the window (from the ledger)."""
    query = (
        select(
            Warehouse.code,
            Product.code,
            StockMove.kind,
            func.count(StockMove.id),
            func.sum(StockMove.quantity),
        )
        .join(Warehouse, Warehouse.id == StockMove.warehouse_id)
        .join(Product, Product.id == StockMove.product_id)
        .group_by(Warehouse.code, Product.code, StockMove.kind)
        .order_by(Warehouse.code, Product.code, StockMove.kind)
    )
    query = query.where(*moment_window(ctx, StockMove.at, params))
    rows = [(w, p, k, int(n), int(q)) for w, p, k, n, q in ctx.session.execute(query)]
    return ReportTable(("warehouse", "product", "kind", "moves", "quantity"), rows)


def credit_exposure(ctx: Context, params: Mapping[str, Any]) -> ReportTable:
    """Per dealer: limit, open credit, available, and what shipped orders owe by days overdue.

    The shipped orders are summed per dealer first and joined to the dealers after: grouping
    the dealers by name, with every order of every status joined to them, cost a sort of the
    whole join (a top manager's 2,000 dealers)."""
    on: date = params.get("on") or ctx.today()
    owed = DealerOrder.total - DealerOrder.paid
    edges = [on, on - timedelta(days=30), on - timedelta(days=60), on - timedelta(days=90)]
    buckets = [
        DealerOrder.due_on >= edges[0],
        (DealerOrder.due_on < edges[0]) & (DealerOrder.due_on >= edges[1]),
        (DealerOrder.due_on < edges[1]) & (DealerOrder.due_on >= edges[2]),
        (DealerOrder.due_on < edges[2]) & (DealerOrder.due_on >= edges[3]),
        DealerOrder.due_on < edges[3],
    ]
    # A zero in cents: sums of nothing but zeros then arrive as cents too, not to be rounded.
    zero = literal(0, Money())
    shipped = (
        select(
            DealerOrder.customer_id,
            *[
                func.sum(case((cond, owed), else_=zero)).label(f"b{n}")
                for n, cond in enumerate(buckets)
            ],
        )
        .where(DealerOrder.status == "shipped")
        .group_by(DealerOrder.customer_id)
        .subquery()
    )
    query = (
        select(
            Customer.name,
            Dealer.credit_limit,
            Dealer.credit_used,
            *[shipped.c[f"b{n}"] for n in range(len(buckets))],
        )
        .select_from(Dealer)
        .join(Customer, Customer.id == Dealer.customer_id)
        .outerjoin(shipped, shipped.c.customer_id == Dealer.customer_id)
        .order_by(Dealer.credit_used.desc(), Customer.name)
    )
    rows = [
        (name, limit, used, limit - used, *[v if v is not None else ZERO for v in rest])
        for name, limit, used, *rest in ctx.session.execute(query)
    ]
    return ReportTable(
        (
            "dealer",
            "credit_limit",
            "credit_used",
            "available",
            "not_due",
            "1_30",
            "31_60",
            "61_90",
            "over_90",
        ),
        rows,
    )


def materials_issued(ctx: Context, params: Mapping[str, Any]) -> ReportTable:
    query = (
        select(
            Customer.name,
            MaterialIssue.campaign,
            Material.code,
            Material.name,
            func.sum(MaterialIssue.quantity),
        )
        .join(Customer, Customer.id == MaterialIssue.customer_id)
        .join(Material, Material.id == MaterialIssue.material_id)
        .group_by(Customer.name, MaterialIssue.campaign, Material.code, Material.name)
        .order_by(Customer.name, MaterialIssue.campaign, Material.code)
    )
    query = query.where(*date_window(MaterialIssue.issued_on, params))
    return ReportTable(
        ("dealer", "campaign", "material", "name", "quantity"),
        [(d, c, m, n, int(q)) for d, c, m, n, q in ctx.session.execute(query)],
    )


def register_all(register: Callable[[Report], None]) -> None:
    register(
        Report(
            "plan-vs-actual",
            "Sales plan against orders",
            plan_vs_actual,
            (
                ReportParam("period", "2026-11, 2026-Q4 or 2026"),
                by_param(PLAN_BY, "dealer"),
            ),
            title_zh="计划完成情况",
            dashboard=("admin", "manager"),
            dashboard_params=lambda today: {"period": today.strftime("%Y-%m")},
        )
    )
    register(
        Report(
            "stock",
            "Stock on hand, reserved and available",
            stock_on_hand,
            (ReportParam("warehouse", "one warehouse code"),),
            title_zh="库存",
        )
    )
    register(
        Report(
            "stock-movements",
            "Stock movements by kind",
            stock_movements,
            (SINCE, UNTIL),
            title_zh="出入库汇总",
        )
    )
    register(
        Report(
            "credit-exposure",
            "Dealer credit exposure and ageing",
            credit_exposure,
            (ReportParam("on", "as of this day", parse_date),),
            title_zh="经销商信用与账龄",
            dashboard=("admin", "manager", "sales"),
        )
    )
    register(
        Report(
            "materials-issued",
            "Marketing materials issued per dealer and campaign",
            materials_issued,
            (SINCE, UNTIL),
            title_zh="营销物品发放",
        )
    )
