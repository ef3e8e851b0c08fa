"""The three-block rollout of `crm demo`, as a Python script against the library API.

    python examples/three_block_rollout/rollout.py [--db URL] [--dir DIR]

Block 1 uses the typed API of the core (`crm_core.api`: `crm.as_user(login, write=True)` gives a
Desk); blocks 2 and 3 call the plugins' services with a Context
(`deployment.work(login, write=True)`). Either way every block of work is one transaction, as
that user, with their visibility; a refusal (`CrmError`) rolls the whole block back.
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from crm_channel_commerce.services import dealers, orders, stock
from crm_core.api import Crm, NewCustomer, NewInteraction
from crm_core.demo import sales_list
from crm_core.features import demo_data as demo
from crm_core.features.tracking import goals as tracking
from crm_core.foundation.errors import CrmError
from crm_core.kernel import lifecycle
from crm_core.kernel.deployment import Deployment
from crm_core.services import customers
from crm_project_sales.services import deliverables, projects


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", type=Path, default=Path("rollout-output"))
    parser.add_argument("--db", help="an empty database (default: DIR/rollout.db, recreated)")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    if args.db is None:
        (args.dir / "rollout.db").unlink(missing_ok=True)
    url = args.db or f"sqlite:///{args.dir.resolve() / 'rollout.db'}"
    deployment = Deployment(url)  # open_deployment(url) opens one that exists
    try:
        lifecycle.initialise(deployment, "admin", "系统管理员")
        with deployment.work("admin", write=True) as ctx:
            demo.seed(ctx, scale=0)  # teams, people and products; no customers yet
        block_1(deployment, args.dir)
        block_2(deployment, args.dir)
        block_3(deployment)
        verdict(deployment)
    finally:
        deployment.dispose()


def block_1(deployment: Deployment, folder: Path) -> None:
    """The core's part, through the typed library API (crm_core.api)."""
    lifecycle.enable(deployment, deployment.resolve_actor("admin"), ["customer_resources"])
    listing = sales_list.write(folder / "销售部客户名单.xlsx")
    crm = Crm(deployment)  # Crm.open(url) opens one by its URL
    with crm.as_user("admin", write=True) as admin:
        result = admin.files.import_file("customers", listing)
    print(f"block 1: imported {result.inserted} customers, {result.rejected} rows refused")

    with crm.as_user("li", write=True) as li:
        mine = li.customers.create(NewCustomer("苏州清源环保设备有限公司", industry="制造业"))
        li.interactions.log(NewInteraction(mine.id, "visit", notes="了解采购计划"))
    try:
        with crm.as_user("lin", write=True) as lin:
            lin.customers.create(NewCustomer("苏州清源环保设备"))
    except CrmError as refusal:
        print(f"block 1: protected, as it should be: {refusal}")

    with crm.as_user("sun", write=True) as manager:
        moved = manager.customers.transfer_all("wang", "li", reason="离职交接")
    print(f"block 1: 王芳 left; {len(moved.customer_ids)} customers moved to 李明")

    with crm.as_user("zhou") as general_manager:
        table = general_manager.reports.run("customers-by-segment", by="owner")
    print(f"block 1: the general manager's report has {len(table.rows)} rows")


def block_2(deployment: Deployment, folder: Path) -> None:
    lifecycle.enable(deployment, deployment.resolve_actor("admin"), ["project_sales"])
    with deployment.work("admin", write=True) as ctx:
        ctx.settings.set("project_sales.file_store", str((folder / "project-files").resolve()))
    with deployment.work("li", write=True) as ctx:
        project = projects.create(
            ctx,
            "苏州清源环保设备",
            "新厂区纯水系统",
            expected_amount=Decimal("1200000"),
            expected_close=ctx.today() + timedelta(days=120),
        )
        projects.advance(ctx, project.id)  # lead -> qualification
        number = project.id
    try:
        with deployment.work("li", write=True) as ctx:
            projects.advance(ctx, number)
    except CrmError as refusal:
        print(f"block 2: the gate holds: {refusal}")
    with deployment.work("li", write=True) as ctx:
        project = projects.get(ctx, number)
        deliverables.add(ctx, project, "budget", record={"amount": "1200000"})
        project = projects.advance(ctx, number)
        print(f"block 2: budget delivered; the project is now in {project.stage_code}")


def block_3(deployment: Deployment) -> None:
    lifecycle.enable(deployment, deployment.resolve_actor("admin"), ["channel_commerce"])
    with deployment.work("admin", write=True) as ctx:
        customers.create(ctx, {"name": "杭州润泽净水经销有限公司", "kind": "agent"}, pool=True)
        dealers.register(ctx, "杭州润泽净水经销", level="一级", credit_limit="10000")
        stock.add_warehouse(ctx, "HZ01", "杭州仓", "华东")
        stock.receive(ctx, "HZ01", "JS-100", 50)
        order = orders.create(ctx, "杭州润泽净水经销", "HZ01", [orders.Line("JS-100", 10)])
        number = order.number
    try:
        with deployment.work("admin", write=True) as ctx:
            orders.confirm(ctx, number)
    except CrmError as refusal:
        print(f"block 3: credit control: {refusal}")


def verdict(deployment: Deployment) -> None:
    with deployment.work("admin", write=True) as ctx:
        tracking.add_goal(ctx, "customer_resources", "客户都有人跟进", ["contact-coverage"], {})
        for block in tracking.status(ctx, ctx.today()):
            print(f"verdict: {block['block']} live {block['days_live']} days ({block['phase']})")


if __name__ == "__main__":
    main()
