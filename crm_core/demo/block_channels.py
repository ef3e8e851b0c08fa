"""Block 3: channel commerce, standard products sold through dealers."""

from __future__ import annotations

import re
from datetime import date

from crm_core.demo.runner import DemoRun

DEALER = "杭州润泽净水经销"


def chapter(run: DemoRun) -> None:
    run.chapter(
        "Block 3: channel commerce for standard products through dealers.",
        "第 3 块：标准产品的渠道分销（经销商）。",
    )
    run.step(
        "Enable the block; a warehouse, stock, a dealer with a credit limit, a sales plan.",
        "启用模块；仓库、库存、带信用额度的经销商、销售计划。",
    )
    run.crm("plugins", "enable", "channel_commerce", shows=["channel_commerce"])
    run.crm("users", "grant", "zhou", "credit-controller")
    run.crm("warehouses", "add", "HZ01", "--name", "杭州仓", "--region", "华东", as_login="wu")
    run.crm("stock", "receive", "HZ01", "JS-100", "30", as_login="wu")
    run.crm("stock", "receive", "HZ01", "LX-01", "500", as_login="wu")
    run.crm(
        "customers", "add", f"{DEALER}有限公司", "--kind", "agent", "--region", "华东",
        "--industry", "批发零售", as_login="chen",
    )  # fmt: skip
    year = run.today.year
    run.crm(
        "dealers", "add", DEALER, "--level", "一级", "--credit-limit", "50000",
        "--contract", f"{year}-01-01:{year}-12-31", as_login="wu",
    )  # fmt: skip
    run.crm("plans", "set", f"{run.today:%Y-%m}", "80000", "--dealer", DEALER, as_login="wu")
    run.look(
        "the dealer is a customer block 1 already had: channel data joins the same records.",
        "经销商就是第 1 块里已有的客户：渠道数据挂在同一份客户记录上。",
    )
    _credit_and_stock(run)
    _plan_versus_actual(run)


def _order(run: DemoRun, day: date, *lines: str) -> str | None:
    args = [a for line in lines for a in ("--line", line)]
    output = run.crm(
        "dealer-orders", "add", DEALER, "--warehouse", "HZ01", *args,
        "--date", f"{day:%Y-%m-%d}", as_login="chen",
    )  # fmt: skip
    found = re.search(r"DO\d{8}-\d{4}", output)
    if found is None:
        run.failures.append("the dealer order's number was not shown")
    return found.group() if found else None


def _credit_and_stock(run: DemoRun) -> None:
    run.step(
        "Orders reserve stock and use credit; over the limit needs a credit controller, on record.",
        "订单确认即预留库存、占用信用额度；超额须信用主管批准并留痕。",
    )
    first = _order(run, run.today, "JS-100:12", "LX-01:100")
    second = _order(run, run.today, "JS-100:20")
    if first is None or second is None:
        return
    run.crm("dealer-orders", "confirm", first, as_login="chen")
    run.crm("dealer-orders", "confirm", second, as_login="chen", exit_code=1, shows=["JS-100"])
    run.crm("stock", "receive", "HZ01", "JS-100", "10", as_login="wu")
    run.crm("dealer-orders", "confirm", second, as_login="chen", exit_code=1, shows=["50000"])
    run.crm(
        "dealer-orders", "confirm", second, "--override-credit", "旺季备货，月底回款",
        as_login="zhou",
    )  # fmt: skip
    run.crm("dealer-orders", "ship", first, as_login="chen")
    run.crm("dealer-orders", "pay", first, "20000", as_login="chen")
    run.crm("dealers", "list", as_login="wu", shows=[DEALER])
    run.crm("stock", "list", "--warehouse", "HZ01", as_login="wu")
    run.crm("stock", "reconcile")
    run.look(
        "`crm audit`: the credit override, with who approved it and why.",
        "`crm audit`：超额批准的记录，谁批准、理由是什么。",
    )


def _plan_versus_actual(run: DemoRun) -> None:
    run.step(
        "Marketing materials, a month of dealer orders (generated), plan versus actual.",
        "营销物品发放、一个月的经销订单（生成数据）、计划与实际对比。",
    )
    run.crm("materials", "add", "POS-HZ", "--name", "门店海报", "--kind", "poster", as_login="wu")
    run.crm("materials", "receive", "POS-HZ", "100", as_login="wu")
    run.crm("materials", "issue", "POS-HZ", DEALER, "30", "--campaign", "旺季促销", as_login="chen")
    run.crm("seed-demo", "--scale", "1", "--seed", "13")
    period = f"period={run.today:%Y-%m}"
    run.crm("report", "run", "plan-vs-actual", "-p", period, as_login="zhou", shows=[DEALER])
    chart = run.writes(
        "plan-vs-actual.png", "report", "run", "plan-vs-actual", "-p", period, "-p", "by=region",
        "--format", "png", "-o", as_login="zhou",
    )  # fmt: skip
    run.crm("report", "run", "credit-exposure", as_login="zhou", shows=[DEALER])
    run.look(
        f"{chart.name} (each region's plan against its orders) and `crm report run "
        "credit-exposure`: who is near their limit.",
        f"{chart.name}（各地区计划与实际）和 `crm report run credit-exposure`：谁接近信用额度。",
    )
