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
    """Targets against orders (confirmed or later) in the period. A plan is the target of its own
    level, never added to a plan of another level: see `plan_targets`."""
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
    targets = plan_targets(ctx, params["period"], by)
    rows = []
    for k in sorted(set(targets) | set(actual), key=lambda v: (v is None, str(v))):
        target, done = targets.get(k), actual.get(k, ZERO)
        rate = (done * 100 / target).quantize(Decimal("0.1")) if target else None
        rows.append((k, target, done, rate))
    return ReportTable((by, "target", "actual", "achieved_pct"), rows)


def plan_targets(ctx: Context, period: str, by: str) -> dict[Any, Decimal]:
    """Each key's target for `period`, every plan the target of its own level:

    - a dealer: its own plan; without one, the sum of its product-line plans;
    - a region: its own plan; without one, the sum of its dealers' targets (as above); without
      those, the sum of the region's product-line plans;
    - a product line: per region, the region's plan for that line; without one, the sum of its
      dealers' plans for the line. A plan without a product line is no line's target.

    The plans of a period are a few rows per dealer, read once (a dealer's plan only when the
    dealer is visible)."""
    query = (
        select(
            SalesPlan.customer_id,
            Customer.name,
            func.coalesce(SalesPlan.region, Dealer.region),
            SalesPlan.product_line,
            SalesPlan.target,
        )
        .select_from(SalesPlan)
        .outerjoin(Dealer, Dealer.customer_id == SalesPlan.customer_id)
        .outerjoin(Customer, Customer.id == SalesPlan.customer_id)
        # A dealer's plan counts only when its dealer is visible: the outer join to a hidden
        # customer finds nothing, which must not add the plan under "no dealer".
        .where(
            SalesPlan.period == period.strip(),
            or_(SalesPlan.customer_id.is_(None), Customer.id.is_not(None)),
        )
    )
    dealer_own: dict[int, Decimal] = {}
    dealer_lines: dict[int, dict[str, Decimal]] = {}
    dealer_name: dict[int, str] = {}
    dealer_region: dict[int, Any] = {}
    region_own: dict[Any, Decimal] = {}
    region_lines: dict[Any, dict[str, Decimal]] = {}
    for customer_id, name, region, line, target in ctx.session.execute(query):
        amount = to_money(target)
        if customer_id is not None:
            dealer_name[customer_id], dealer_region[customer_id] = name, region
            if line is None:
                dealer_own[customer_id] = amount
            else:
                dealer_lines.setdefault(customer_id, {})[line] = amount
        elif line is None:
            region_own[region] = amount
        else:
            region_lines.setdefault(region, {})[line] = amount

    def dealer_target(customer_id: int) -> Decimal:
        own = dealer_own.get(customer_id)
        return own if own is not None else sum(dealer_lines.get(customer_id, {}).values(), ZERO)

    dealers_planned = sorted(set(dealer_own) | set(dealer_lines))
    targets: dict[Any, Decimal] = {}
    if by == "dealer":
        for customer_id in dealers_planned:
            name = dealer_name[customer_id]
            targets[name] = targets.get(name, ZERO) + dealer_target(customer_id)
    elif by == "region":
        by_dealers: dict[Any, Decimal] = {}
        for customer_id in dealers_planned:
            region = dealer_region[customer_id]
            by_dealers[region] = by_dealers.get(region, ZERO) + dealer_target(customer_id)
        for region in set(region_own) | set(by_dealers) | set(region_lines):
            if region in region_own:
                targets[region] = region_own[region]
            elif region in by_dealers:
                targets[region] = by_dealers[region]
            else:
                targets[region] = sum(region_lines[region].values(), ZERO)
    else:
        dealer_line_sums: dict[tuple[Any, str], Decimal] = {}
        for customer_id, lines in dealer_lines.items():
            for line, amount in lines.items():
                at = (dealer_region[customer_id], line)
                dealer_line_sums[at] = dealer_line_sums.get(at, ZERO) + amount
        for lines in region_lines.values():
            for line, amount in lines.items():
                targets[line] = targets.get(line, ZERO) + amount
        for (region, line), amount in dealer_line_sums.items():
            if line not in region_lines.get(region, {}):
                targets[line] = targets.get(line, ZERO) + amount
    return targets


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
            about=(
                "Targets against dealer orders confirmed, shipped or paid in the period. Every plan "
                "is the target of its own level and is never added to another level's: a dealer's "
                "target is its own plan, else the sum of its product-line plans; a region's its own "
                "plan, else the sum of its dealers' targets, else of its product-line plans; a "
                "product line's the regions' plans for the line, else their dealers' plans for it."
            ),
            about_zh=(
                "计划目标对比本期已确认、已发货或已付款的经销商订单。每个计划只是其本层级的目标，不与其他层级的计划相加："
                "经销商的目标取其自身计划，没有时取其各产品线计划之和；地区的目标取其自身计划，没有时取其经销商目标之和，"
                "再没有时取其各产品线计划之和；产品线的目标取各地区该产品线的计划，没有时取该地区经销商该产品线计划之和。"
            ),
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
