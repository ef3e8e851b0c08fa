"""Plans against actuals, materials, reminders, transfers, reports, CLI, migrations."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from alembic import command
from conftest import Block3
from sqlalchemy import inspect, select, update

from crm_channel_commerce.models import Dealer, DealerOrder
from crm_channel_commerce.services import dealers, materials, orders, plans
from crm_core.contract.testing import schema_differences
from crm_core.features import reminders
from crm_core.features.reports import engine as reports
from crm_core.foundation.errors import PermissionDenied, ValidationError
from crm_core.foundation.schema import table_of
from crm_core.kernel.migrate import alembic_config
from crm_core.kernel.models import Customer
from crm_core.services import customers, transfer


def sell(
    block3: Block3, dealer: str, lines: list[orders.Line], day: date, status: str = "confirmed"
) -> str:
    with block3.work("cm", write=True) as ctx:
        number = orders.create(ctx, dealer, "W1", lines, day).number
        if status != "draft":
            orders.confirm(ctx, number)
        if status in ("shipped", "paid"):
            orders.ship(ctx, number)
    return number


def test_periods() -> None:
    assert plans.parse_period("2026-11") == ("month", date(2026, 11, 1), date(2026, 11, 30))
    assert plans.parse_period("2026-12")[2] == date(2026, 12, 31)
    assert plans.parse_period("2026-Q1") == ("quarter", date(2026, 1, 1), date(2026, 3, 31))
    assert plans.parse_period("2026-Q4")[2] == date(2026, 12, 31)
    assert plans.parse_period("2026") == ("year", date(2026, 1, 1), date(2026, 12, 31))
    for bad in ("2026-13", "26-11", "2026-Q5", "Nov"):
        with pytest.raises(ValidationError):
            plans.parse_period(bad)


def test_plan_vs_actual_by_dealer_region_and_line(block3: Block3) -> None:
    with block3.work("cm", write=True) as ctx:
        plans.set_target(ctx, "2026-11", "10000", dealer_ref="杭州代理商")
        plans.set_target(ctx, "2026-11", "4000", dealer_ref="宁波代理商", product_line="净水")
        plans.set_target(
            ctx, "2026-11", "4000", dealer_ref="宁波代理商", product_line="净水"
        )  # replaces, not adds
        plans.set_target(ctx, "2026-Q4", "50000", region="华东")
    with pytest.raises(PermissionDenied), block3.work("rep", write=True) as ctx:
        plans.set_target(ctx, "2026-11", "1", region="华东")
    sell(block3, "杭州代理商", [orders.Line("P1", 5), orders.Line("P2", 10)], date(2026, 11, 3))
    sell(block3, "宁波代理商", [orders.Line("P1", 2)], date(2026, 11, 20), status="shipped")
    sell(
        block3, "宁波代理商", [orders.Line("P1", 1)], date(2026, 11, 21), status="draft"
    )  # not a sale
    sell(block3, "杭州代理商", [orders.Line("P1", 1)], date(2026, 10, 31))  # another month
    with block3.work("cm") as ctx:
        by_dealer = {
            r["dealer"]: r
            for r in reports.run(ctx, "plan-vs-actual", {"period": "2026-11"}).records()
        }
        assert by_dealer["杭州代理商"]["actual"] == Decimal("5500.00")
        assert by_dealer["杭州代理商"]["achieved_pct"] == Decimal("55.0")
        assert by_dealer["宁波代理商"]["target"] == Decimal("4000.00")
        by_line = {
            r["product_line"]: r
            for r in reports.run(
                ctx, "plan-vs-actual", {"period": "2026-11", "by": "product_line"}
            ).records()
        }
        assert by_line["净水"]["actual"] == Decimal("7000.00") and by_line["耗材"][
            "actual"
        ] == Decimal("500.00")
        quarter = reports.run(
            ctx, "plan-vs-actual", {"period": "2026-Q4", "by": "region"}
        ).records()
        assert quarter == [
            {
                "region": "华东",
                "target": Decimal("50000.00"),
                "actual": Decimal("8500.00"),
                "achieved_pct": Decimal("17.0"),
            }
        ]
        with pytest.raises(ValidationError, match="period"):
            reports.run(ctx, "plan-vs-actual", {})


def test_plans_are_targets_of_their_own_level_never_summed(block3: Block3) -> None:
    """A dealer's plan and a plan for one of its product lines are two targets, not 110,000."""
    with block3.work("cm", write=True) as ctx:
        plans.set_target(ctx, "2026-11", "80000", dealer_ref="杭州代理商")
        plans.set_target(ctx, "2026-11", "30000", dealer_ref="杭州代理商", product_line="净水")
        plans.set_target(ctx, "2026-11", "6000", dealer_ref="宁波代理商", product_line="净水")
        plans.set_target(ctx, "2026-11", "2000", dealer_ref="宁波代理商", product_line="耗材")
    sell(block3, "杭州代理商", [orders.Line("P1", 5)], date(2026, 11, 3))

    def targets(by: str, period: str = "2026-11") -> dict[str | None, Decimal | None]:
        with block3.work("cm") as ctx:
            table = reports.run(ctx, "plan-vs-actual", {"period": period, "by": by})
        return {r[by]: r["target"] for r in table.records()}

    assert targets("dealer") == {
        "宁波代理商": Decimal("8000.00"),
        "杭州代理商": Decimal("80000.00"),
    }
    assert targets("region") == {"华东": Decimal("88000.00")}
    # Lines: only plans for a line; the dealer-wide 80,000 is no line's target (no blank row).
    assert targets("product_line") == {"净水": Decimal("36000.00"), "耗材": Decimal("2000.00")}
    with block3.work("cm", write=True) as ctx:
        plans.set_target(ctx, "2026-11", "100000", region="华东")
        plans.set_target(ctx, "2026-11", "50000", region="华东", product_line="净水")
    assert targets("region") == {"华东": Decimal("100000.00")}
    assert targets("product_line") == {"净水": Decimal("50000.00"), "耗材": Decimal("2000.00")}
    with block3.work("cm") as ctx:
        assert "own level" in reports.lookup(ctx, "plan-vs-actual").description()


def test_materials(block3: Block3) -> None:
    with block3.work("cm", write=True) as ctx:
        materials.add(ctx, "POS", "海报", "poster")
        materials.receive(ctx, "POS", 10)
        materials.issue(ctx, "POS", "杭州代理商", 6, campaign="双十一")
        with pytest.raises(ValidationError, match="only 4"):
            materials.issue(ctx, "POS", "宁波代理商", 5, campaign="双十一")
        materials.issue(ctx, "POS", "宁波代理商", 4, campaign="年货节")
        rows = reports.run(ctx, "materials-issued", {}).records()
        assert [(r["dealer"], r["campaign"], r["quantity"]) for r in rows] == [
            ("宁波代理商", "年货节", 4),
            ("杭州代理商", "双十一", 6),
        ]
        assert materials.listing(ctx)[0]["on_hand"] == 0


def test_overdue_balances_feed_reminders_and_exposure(block3: Block3) -> None:
    number = sell(block3, "杭州代理商", [orders.Line("P1", 3)], date(2026, 11, 1), status="shipped")
    with block3.work("cm", write=True) as ctx:
        orders.pay(ctx, number, "1000")
        due = orders.get(ctx, number).due_on
    assert due is not None
    with block3.work("rep") as ctx:
        assert reminders.collect(ctx, due) == []
        late = reminders.collect(ctx, due + timedelta(days=45))
        assert [(r["kind"], r["customer"], r["overdue_days"]) for r in late] == [
            ("dealer overdue", "杭州代理商", 45)
        ]
        exposure = {
            r["dealer"]: r
            for r in reports.run(
                ctx, "credit-exposure", {"on": (due + timedelta(days=45)).isoformat()}
            ).records()
        }
        assert exposure["杭州代理商"]["credit_used"] == Decimal("2000.00")
        assert exposure["杭州代理商"]["31_60"] == Decimal("2000.00") and exposure["杭州代理商"][
            "available"
        ] == Decimal("18000.00")


def test_transfer_moves_the_responsible_salesperson(block3: Block3) -> None:
    with block3.work("cm", write=True) as ctx:
        result = transfer.transfer_customers(ctx, ["杭州代理商"], "cm")
    assert result.moved["dealers"] == 1
    with block3.work("cm") as ctx:
        assert [d["rep"] for d in dealers.listing(ctx) if d["dealer"] == "杭州代理商"] == ["cm"]


def test_a_transfer_from_several_owners_moves_only_the_dealers_they_were_responsible_for(
    block3: Block3,
) -> None:
    with block3.work("other", write=True) as ctx:
        customers.create(ctx, {"name": "温州代理商", "kind": "agent", "region": "华东"})
    with block3.work("rep", write=True) as ctx:
        customers.create(ctx, {"name": "台州代理商", "kind": "agent", "region": "华东"})
    with block3.work("admin", write=True) as ctx:
        dealers.register(ctx, "温州代理商", level="二级", credit_limit="1000")
        dealers.register(ctx, "台州代理商", level="二级", credit_limit="1000", rep_login="cfo")
        names = ["杭州代理商", "宁波代理商", "温州代理商", "台州代理商"]
        result = transfer.transfer_customers(ctx, names, "cm")
    assert result.moved["dealers"] == 3
    with block3.work("admin") as ctx:
        reps = {d["dealer"]: d["rep"] for d in dealers.listing(ctx)}
    assert reps == {"杭州代理商": "cm", "宁波代理商": "cm", "温州代理商": "cm", "台州代理商": "cfo"}


def test_cli_and_reports(block3: Block3, crm_cli) -> None:
    steps = [
        (
            "dealer-orders",
            "add",
            "杭州代理商",
            "--warehouse",
            "W1",
            "--line",
            "P1:2",
            "--line",
            "P2:4@45",
        ),
    ]
    for step in steps:
        assert crm_cli(*step, as_login="rep").exit_code == 0
    number = crm_cli("dealer-orders", "list", "--format", "json", as_login="rep").json()[0][
        "number"
    ]
    assert crm_cli("dealer-orders", "confirm", number, as_login="rep").exit_code == 0
    assert crm_cli("dealer-orders", "ship", number, as_login="rep").exit_code == 0
    assert crm_cli("dealer-orders", "pay", number, "2180", as_login="rep").exit_code == 0
    shown = crm_cli("dealer-orders", "show", number, "--format", "json", as_login="rep").json()
    assert shown["status"] == "paid" and shown["owed"] == "0.00"
    assert all(line["product"] in ("P1", "P2") and line["name"] for line in shown["lines"])
    assert [p["amount"] for p in shown["payments"]] == ["2180.00"]
    table = crm_cli("dealer-orders", "show", number, as_login="rep").output
    assert "Lines" in table and "净水器" in table
    big = crm_cli(
        "dealer-orders", "add", "宁波代理商", "--warehouse", "W1", "--line", "P1:6", as_login="rep"
    )
    big_number = big.output.split()[1].rstrip(":")
    refused = crm_cli("dealer-orders", "confirm", big_number, as_login="rep")
    assert refused.exit_code == 1 and "credit limit exceeded" in refused.stderr
    assert (
        crm_cli(
            "dealer-orders", "confirm", big_number, "--override-credit", "总监批准", as_login="cfo"
        ).exit_code
        == 0
    )
    assert crm_cli("stock", "reconcile").exit_code == 0
    assert (
        crm_cli("stock", "adjust", "W1", "P1", "-1000", "--reason", "盘亏", as_login="cm").exit_code
        == 1
    )
    levels = crm_cli("stock", "list", "--format", "json").json()
    assert {r["product"]: r["on_hand"] for r in levels} == {"P1": 38, "P2": 496}
    assert (
        crm_cli("plans", "set", "2026-11", "80000", "--region", "华东", as_login="cm").exit_code
        == 0
    )
    assert (
        crm_cli(
            "materials", "add", "SMP", "--name", "试用装", "--kind", "sample", as_login="cm"
        ).exit_code
        == 0
    )
    for name in ("stock", "stock-movements", "credit-exposure", "materials-issued"):
        assert crm_cli("report", "run", name, "--format", "json", as_login="cm").exit_code == 0, (
            name
        )
    assert (
        crm_cli(
            "report",
            "run",
            "plan-vs-actual",
            "-p",
            "period=2026-11",
            "--format",
            "json",
            as_login="cm",
        ).exit_code
        == 0
    )
    shown = crm_cli("customers", "show", "杭州代理商", "--format", "json", as_login="rep").json()
    assert any(s["title"] == "Dealer" for s in shown["sections"])
    assert crm_cli("seed-demo").exit_code == 0
    assert crm_cli("stock", "reconcile").exit_code == 0


def test_branch_round_trip(block3: Block3) -> None:
    deployment = block3.deployment
    assert schema_differences(deployment, {"crm_core", "channel_commerce"}) == []
    with deployment.engine.begin() as conn:
        command.downgrade(alembic_config(deployment.catalog, conn), "channel_commerce@base")
    assert not any(t.startswith("cc_") for t in inspect(deployment.engine).get_table_names())
    with deployment.engine.begin() as conn:
        command.upgrade(alembic_config(deployment.catalog, conn), "channel_commerce@head")
    assert schema_differences(deployment, {"crm_core", "channel_commerce"}) == []


def test_credit_exposure_adds_up_each_dealer_s_shipped_orders_by_days_overdue(
    block3: Block3,
) -> None:
    """Each dealer's row against a computation from the order rows themselves: what shipped
    orders still owe, bucketed by days past due on the day asked for; drafts, confirmed orders
    (not yet owed), paid and cancelled ones count in no bucket; a dealer without orders shows
    zeros; rows by open credit, largest first; a salesperson who looks after neither dealer
    sees no row."""
    on = date(2026, 6, 30)
    small = [orders.Line("P2", 4)]  # 200.00 each: well inside both credit limits
    placed = {
        # dealer, status, days past due on `on` (negative: not yet due), paid
        ("杭州代理商", "shipped", -5, "0"),
        ("杭州代理商", "shipped", 0, "50"),  # due that very day: not due yet
        ("杭州代理商", "shipped", 1, "0"),
        ("杭州代理商", "shipped", 30, "120.50"),
        ("杭州代理商", "shipped", 31, "0"),
        ("杭州代理商", "shipped", 90, "0"),
        ("杭州代理商", "shipped", 91, "0"),
        ("杭州代理商", "paid", 200, "200"),
        ("杭州代理商", "confirmed", 0, "10"),
        ("杭州代理商", "draft", 0, "0"),
        ("宁波代理商", "shipped", 61, "0"),
        ("宁波代理商", "shipped", 400, "199.99"),
    }
    numbers = []
    for dealer, status, late, paid in sorted(placed):
        number = sell(
            block3, dealer, small, date(2026, 1, 2), "shipped" if status == "paid" else status
        )
        with block3.work("cm", write=True) as ctx:
            if Decimal(paid):
                orders.pay(ctx, number, paid)
            if status != "draft":
                ctx.session.execute(
                    update(table_of(DealerOrder))
                    .where(DealerOrder.number == number)
                    .values(due_on=on - timedelta(days=late))
                )
        numbers.append(number)
    with block3.work("cm", write=True) as ctx:
        cancelled = orders.create(ctx, "宁波代理商", "W1", small, date(2026, 1, 2)).number
        orders.confirm(ctx, cancelled)
        orders.cancel(ctx, cancelled)

    edges = ((0, "not_due"), (30, "1_30"), (60, "31_60"), (90, "61_90"))
    with block3.work("admin") as ctx:
        dealer_rows = ctx.session.execute(
            select(Customer.name, Dealer.credit_limit, Dealer.credit_used).join(
                Customer, Customer.id == Dealer.customer_id
            )
        ).all()
        expected = {
            name: {
                "dealer": name,
                "credit_limit": limit,
                "credit_used": used,
                "available": limit - used,
                **{bucket: Decimal("0.00") for _, bucket in edges},
                "over_90": Decimal("0.00"),
            }
            for name, limit, used in dealer_rows
        }
        for name, status, due_on, total, paid in ctx.session.execute(
            select(
                Customer.name,
                DealerOrder.status,
                DealerOrder.due_on,
                DealerOrder.total,
                DealerOrder.paid,
            ).join(Customer, Customer.id == DealerOrder.customer_id)
        ):
            if status != "shipped":
                continue
            late = (on - due_on).days
            bucket = next((b for limit, b in edges if late <= limit), "over_90")
            expected[name][bucket] += total - paid
    assert expected["杭州代理商"]["31_60"] == Decimal("200.00")  # the computation itself
    assert expected["宁波代理商"]["over_90"] == Decimal("0.01")
    with block3.work("cm") as ctx:
        rows = reports.run(ctx, "credit-exposure", {"on": on.isoformat()}).records()
    assert rows == sorted(expected.values(), key=lambda r: (-r["credit_used"], r["dealer"]))
    assert rows[0]["credit_used"] > rows[1]["credit_used"]
    with block3.work("other") as ctx:
        assert reports.run(ctx, "credit-exposure", {"on": on.isoformat()}).records() == []
