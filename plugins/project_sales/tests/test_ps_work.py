"""Decision trees, competitors, quotes, costs and profit, collaboration, transfer, reports, CLI."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from alembic import command
from conftest import Block2
from sqlalchemy import func, inspect, select

from crm_core.contract.testing import schema_differences
from crm_core.features import reminders
from crm_core.features.reports import engine as reports
from crm_core.foundation.errors import NotFound, PermissionDenied, ValidationError
from crm_core.kernel import lifecycle
from crm_core.kernel.migrate import alembic_config
from crm_core.kernel.models import AuditEntry
from crm_core.services import customers, transfer
from crm_project_sales.api import Projects as ProjectsPart
from crm_project_sales.models import Deliverable, Project, ProjectNote, QuoteLine
from crm_project_sales.services import (
    collaboration,
    decision,
    deliverables,
    money,
    pipeline,
    projects,
)

CLOSE = date(2027, 3, 31)


def new_project(
    block2: Block2, name: str = "净水系统改造", amount: str = "500000", category: str = "standard"
) -> Project:
    with block2.work("ka", write=True) as ctx:
        return projects.create(
            ctx,
            block2.customer,
            name,
            expected_amount=amount,
            expected_close=CLOSE,
            category=category,
        )


def win(block2: Block2, pid: int, tmp_path: Path) -> None:
    for _ in range(5):
        with block2.work("ka", write=True) as ctx:
            project = projects.get(ctx, pid)
            for need in pipeline.requirements(ctx, project.category):
                if need.stage_code == project.stage_code:
                    if need.kind == "record":
                        deliverables.add(ctx, project, need.deliverable, record={"ok": True})
                    else:
                        path = tmp_path / f"{pid}-{need.deliverable}"
                        path.write_text(need.deliverable)
                        deliverables.add(ctx, project, need.deliverable, path=path)
            projects.advance(ctx, pid)


def test_decision_tree(block2: Block2) -> None:
    pid = new_project(block2).id
    with block2.work("ka", write=True) as ctx:
        project = projects.get(ctx, pid)
        decision.add_person(ctx, project, "王总", "decision_maker", "neutral")
        decision.add_person(
            ctx, project, "李工", "technical_evaluator", "supporter", reports_to="王总"
        )
        decision.add_person(ctx, project, "张主管", "user", "opponent", reports_to="李工")
        assert [(r["depth"], r["name"], r["role"]) for r in decision.tree(ctx, project)] == [
            (0, "王总", "decision_maker"),
            (1, "李工", "technical_evaluator"),
            (2, "张主管", "user"),
        ]
        with pytest.raises(ValidationError, match="circle"):
            decision.change_person(ctx, project, "王总", reports_to="张主管")
        with pytest.raises(ValidationError, match="already"):
            decision.add_person(ctx, project, "王总", "influencer")
        with pytest.raises(ValidationError, match="role"):
            decision.add_person(ctx, project, "李工", "boss")
        with pytest.raises(NotFound):
            decision.add_person(ctx, project, "不存在的人", "user")
        decision.change_person(ctx, project, "张主管", attitude="supporter")
        assert decision.tree(ctx, project)[2]["attitude"] == "supporter"


def test_competitors_must_be_competitor_records(block2: Block2) -> None:
    pid = new_project(block2).id
    with block2.work("ka", write=True) as ctx:
        project = projects.get(ctx, pid)
        decision.add_competitor(
            ctx, project, "对手甲科技", strengths="价格低", quoted_price="450000"
        )
        with pytest.raises(NotFound) as customer:  # a customer, not a competitor ...
            decision.add_competitor(ctx, project, "华东重工集团")
        with pytest.raises(NotFound) as missing:  # ... answers as one that does not exist
            decision.add_competitor(ctx, project, "不存在的对手")
        assert str(customer.value).replace("华东重工集团", "X") == str(missing.value).replace(
            "不存在的对手", "X"
        )
        assert decision.competitors(ctx, project) == [
            {
                "competitor": "对手甲科技有限公司",
                "strengths": "价格低",
                "weaknesses": None,
                "quoted_price": Decimal("450000.00"),
            }
        ]


def test_quotes_versions_and_contract_amount(block2: Block2) -> None:
    pid = new_project(block2).id
    with block2.work("ka", write=True) as ctx:
        project = projects.get(ctx, pid)
        v1 = money.add_quote(
            ctx, project, [money.parse_item("EQ-1:2"), money.parse_item("定制管路:1@12345.67")]
        )
        v2 = money.add_quote(ctx, project, [money.parse_item("EQ-1:2-5%/55000")])
        assert (v1.version, v1.total) == (1, Decimal("212345.67"))
        assert (v2.version, v2.total, v2.cost) == (2, Decimal("190000.00"), Decimal("110000.00"))
        assert money.quotes(ctx, project)[1]["margin_pct"] == Decimal("42.1")
        money.set_quote_status(ctx, project, 1, "accepted")
        assert project.contract_amount == Decimal("212345.67")
        money.set_quote_status(ctx, project, 2, "accepted")  # supersedes v1
        assert project.contract_amount == Decimal("190000.00")
        assert [q["status"] for q in money.quotes(ctx, project)] == ["rejected", "accepted"]
        money.set_quote_status(ctx, project, 2, "rejected")
        assert project.contract_amount is None
        with pytest.raises(ValidationError, match="cannot become"):
            money.set_quote_status(ctx, project, 2, "sent")
        for bad in ("EQ-1", "EQ-1:0", "EQ-1:1-101%", "无价格:1"):
            with pytest.raises(ValidationError):
                money.add_quote(ctx, project, [money.parse_item(bad)])
        assert ctx.session.scalar(select(func.count()).select_from(QuoteLine)) == 3


def test_profit_is_contract_minus_goods_other_costs_and_expenses(
    block2: Block2, tmp_path: Path
) -> None:
    """Profit = contract - cost of goods (the accepted quote's until goods are booked) - other
    costs - expenses: booking an installation cost does not make the goods free."""
    pid = new_project(block2).id
    with block2.work("ka", write=True) as ctx:
        project = projects.get(ctx, pid)
        quote = money.add_quote(ctx, project, [money.parse_item("EQ-1:3/60000")])
        money.set_quote_status(ctx, project, quote.version, "accepted")
        money.add_cost(ctx, project, "cost", "安装调试", "20000")
        money.add_cost(ctx, project, "expense", "差旅", "3500.50")
        with pytest.raises(ValidationError):
            money.add_cost(ctx, project, "bribe", "x", "1")
        estimated = money.profit(ctx, project)
        assert (estimated.goods, estimated.goods_estimated, estimated.profit) == (
            Decimal("180000.00"),
            True,
            Decimal("96499.50"),  # 300,000 - 180,000 - 20,000 - 3,500.50
        )
        money.add_cost(ctx, project, "goods", "设备采购", "170000")
        result = money.profit(ctx, project)
        assert (
            result.contract,
            result.goods,
            result.goods_estimated,
            result.costs,
            result.expenses,
            result.profit,
            result.margin_pct,
        ) == (
            Decimal("300000.00"),
            Decimal("170000.00"),
            False,
            Decimal("20000.00"),
            Decimal("3500.50"),
            Decimal("106499.50"),
            Decimal("35.5"),
        )
    win(block2, pid, tmp_path)
    with block2.work("km") as ctx:
        rows = reports.run(ctx, "project-profitability", {"by": "customer"}).records()
        assert rows == [
            {
                "customer": "华东重工集团",
                "projects": 1,
                "contract": Decimal("300000.00"),
                "goods_cost": Decimal("170000.00"),
                "costs": Decimal("20000.00"),
                "expenses": Decimal("3500.50"),
                "profit": Decimal("106499.50"),
                "margin_pct": Decimal("35.5"),
            }
        ]
        shown = ProjectsPart(ctx).show(pid)
        assert (shown["goods_cost"], shown["profit"], shown["margin_pct"]) == (
            Decimal("170000.00"),
            Decimal("106499.50"),
            Decimal("35.5"),
        )


def test_a_booked_cost_leaves_the_quoted_goods_cost_in_the_profit(
    block2: Block2, tmp_path: Path
) -> None:
    pid = new_project(block2).id
    with block2.work("ka", write=True) as ctx:
        project = projects.get(ctx, pid)
        quote = money.add_quote(ctx, project, [money.parse_item("EQ-1:3/60000")])
        money.set_quote_status(ctx, project, quote.version, "accepted")
        money.add_cost(ctx, project, "cost", "运输", "5000")
    win(block2, pid, tmp_path)
    with block2.work("km") as ctx:
        (row,) = reports.run(ctx, "project-profitability", {"by": "customer"}).records()
    assert (row["goods_cost"], row["profit"], row["margin_pct"]) == (
        Decimal("180000.00"),
        Decimal("115000.00"),
        Decimal("38.3"),
    )


def test_tasks_feed_reminders_and_members_see_the_project_not_the_customer(
    block2: Block2,
) -> None:
    project = new_project(block2)
    with block2.work("ka", write=True) as ctx:
        project = projects.get(ctx, project.id)
        quote = money.add_quote(ctx, project, [money.parse_item("EQ-1:1")])
        decision.add_person(ctx, project, "王总", "decision_maker", "neutral")
    with pytest.raises(NotFound), block2.work("kb", write=True) as ctx:
        collaboration.add_member(ctx, projects.get(ctx, project.id), "kb")  # cannot see it yet
    with block2.work("ka", write=True) as ctx:
        project = projects.get(ctx, project.id)
        collaboration.add_member(ctx, project, "kb", "技术支持")  # a same-team salesperson
        task = collaboration.add_task(ctx, project, "提交技术方案", "ka", date(2026, 12, 1))
        collaboration.add_note(ctx, project, "客户要求12月前给方案")
        assert collaboration.feed(ctx, project)[0]["note"] == "客户要求12月前给方案"
    with block2.work("kb", write=True) as ctx:  # the member sees the project and its parts
        shown = ProjectsPart(ctx).show(project.id)
        assert shown["customer"] == "华东重工集团" and shown["quotes"][0]["version"] == 1
        assert [p["name"] for p in shown["decision_tree"]] == ["王总"]
        assert [p["name"] for p in projects.list_page(ctx)] == [project.name]
        collaboration.add_note(ctx, projects.get(ctx, project.id), "技术方案初稿已发")
        with pytest.raises(NotFound):  # and nothing else of the customer
            customers.get(ctx, block2.customer)
        with pytest.raises(PermissionDenied):  # nor may they staff it
            collaboration.add_member(ctx, projects.get(ctx, project.id), "km")
        assert reports.run(ctx, "pipeline", {"by": "owner"}).records() == []  # not theirs
    with block2.work("ka") as ctx:
        due = [
            r for r in reminders.collect(ctx, date(2026, 12, 2)) if r["source"] == "project_sales"
        ]
        assert [(r["kind"], r["overdue_days"]) for r in due] == [("task", 1)]
        late = [
            r for r in reminders.collect(ctx, date(2027, 4, 2)) if r["kind"] == "project overdue"
        ]
        assert len(late) == 1
    with pytest.raises(PermissionDenied), block2.work("kb", write=True) as ctx:
        collaboration.finish_task(ctx, task.id)  # the member sees ka's task, it is not theirs
    with block2.work("ka", write=True) as ctx:
        collaboration.finish_task(ctx, task.id)
        with pytest.raises(ValidationError, match="already done"):
            collaboration.finish_task(ctx, task.id)
        collaboration.remove_member(ctx, projects.get(ctx, project.id), "kb")
    with pytest.raises(NotFound), block2.work("kb") as ctx:  # off the project: closed again
        projects.get(ctx, project.id)
    assert quote.version == 1


def test_a_task_for_a_colleague_makes_them_a_member(block2: Block2) -> None:
    project = new_project(block2)
    with block2.work("ka", write=True) as ctx:
        task = collaboration.add_task(
            ctx, projects.get(ctx, project.id), "现场勘察", "kb", date(2026, 12, 1)
        )
    with block2.work("kb", write=True) as ctx:
        due = [r for r in reminders.collect(ctx, date(2026, 12, 2)) if r["kind"] == "task"]
        assert [r["what"] for r in due] == [f"{project.name}: 现场勘察"]
        collaboration.finish_task(ctx, task.id)


def test_transfer_moves_open_projects_only(block2: Block2, tmp_path: Path) -> None:
    open_one = new_project(block2, "开放项目").id
    won_one = new_project(block2, "已赢项目").id
    win(block2, won_one, tmp_path)
    with block2.work("km", write=True) as ctx:
        result = transfer.transfer_all(ctx, "ka", "kb")
    assert result.moved["open projects"] == 1
    with block2.work("admin") as ctx:
        audited = ctx.session.scalars(
            select(AuditEntry.entity_id).where(
                AuditEntry.entity == "ps_project", AuditEntry.action == "transfer"
            )
        ).all()
        assert audited == [str(open_one)]
    with block2.work("km") as ctx:
        owners = dict(ctx.session.execute(select(Project.id, Project.owner_id)).all())
        kb = block2.deployment.resolve_actor("kb").id
        ka = block2.deployment.resolve_actor("ka").id
        assert owners == {open_one: kb, won_one: ka}


def test_visibility_reaches_every_project_table(block2: Block2, tmp_path: Path) -> None:
    pid = new_project(block2).id
    win(block2, pid, tmp_path)
    with block2.work("kb") as ctx:
        assert projects.list_page(ctx) == []
        assert ctx.session.scalar(select(func.count()).select_from(Deliverable)) == 0
        for name in (
            "project-monthly",
            "pipeline",
            "win-loss",
            "stage-conversion",
            "project-profitability",
        ):
            assert all(not r.get("projects") for r in reports.run(ctx, name, {}).records()), name
    with block2.work("km") as ctx:
        assert len(projects.list_page(ctx)) == 1


def test_the_forecast_weighs_a_category_by_its_own_pipeline(block2: Block2) -> None:
    with block2.work("admin", write=True) as ctx:
        pipeline.set_pipeline(
            ctx,
            "service",
            [
                ("contact", "Contact", "接洽", 30, "open"),
                ("won", "Won", "赢单", 100, "won"),
                ("lost", "Lost", "丢单", 0, "lost"),
            ],
        )
    new_project(block2, "服务项目", "200000", category="service")
    new_project(block2, "标准项目", "100000")
    with block2.work("km") as ctx:
        forecast = reports.run(ctx, "pipeline", {"by": "category"}).records()
    assert [(r["category"], r["amount"], r["weighted"]) for r in forecast] == [
        ("service", Decimal("200000.00"), Decimal("60000.00")),  # contact: 30% of its own
        ("standard", Decimal("100000.00"), Decimal("10000.00")),  # lead: 10% by default
    ]


def test_pipeline_conversion_and_win_loss_reports(block2: Block2, tmp_path: Path) -> None:
    a = new_project(block2, "甲项目", "100000").id
    b = new_project(block2, "乙项目", "300000").id
    c = new_project(block2, "丙项目", "200000").id
    with block2.work("ka", write=True) as ctx:
        for pid in (a, b, c):
            decision.add_competitor(ctx, projects.get(ctx, pid), "对手甲科技", quoted_price="90000")
        projects.advance(ctx, b)  # qualification: 20%
        projects.lose(ctx, c, "价格")
    win(block2, a, tmp_path)
    with block2.work("km") as ctx:
        forecast = reports.run(ctx, "pipeline", {"by": "owner"}).records()
        assert forecast == [
            {
                "owner": "ka",
                "projects": 1,
                "amount": Decimal("300000.00"),
                "weighted": Decimal("60000.00"),
            }
        ]
        assert reports.run(ctx, "win-loss", {}).records() == [
            {
                "competitor": "对手甲科技有限公司",
                "won": 1,
                "lost": 1,
                "win_rate_pct": Decimal("50.0"),
                "avg_quoted_price": Decimal("90000.00"),
            }
        ]
        conversion = {r["stage"]: r for r in reports.run(ctx, "stage-conversion", {}).records()}
        assert conversion["lead"]["entered"] == 3 and conversion["lead"]["moved_on"] == 3
        assert conversion["qualification"]["entered"] == 2 and conversion["won"]["entered"] == 1
        monthly = {r["project"]: r for r in reports.run(ctx, "project-monthly", {}).records()}
        assert set(monthly) == {"乙项目"}
        assert (monthly["乙项目"]["customer"], monthly["乙项目"]["owner"]) == ("华东重工集团", "ka")
        assert (
            monthly["乙项目"]["deliverables"] == "0/1" and monthly["乙项目"]["missing"] == "budget"
        )
    with block2.work("ka", write=True) as ctx:  # the gate's deliverable handed in: done
        deliverables.add(ctx, projects.get(ctx, b), "budget", record={"amount": "300000"})
    with block2.work("km") as ctx:
        done = {r["project"]: r for r in reports.run(ctx, "project-monthly", {}).records()}
        assert done["乙项目"]["deliverables"] == "1/1" and not done["乙项目"]["missing"]


def test_works_beside_customer_resources(block2: Block2, tmp_path: Path) -> None:
    pytest.importorskip("crm_customer_resources", reason="block 1 is not installed beside block 2")
    deployment = block2.deployment
    lifecycle.enable(deployment, deployment.resolve_actor("admin"), ["customer_resources"])
    pid = new_project(block2).id
    win(block2, pid, tmp_path)
    with block2.work("ka", write=True) as ctx:
        customers.set_level(ctx, block2.customer, "signed")
    with block2.work("km", write=True) as ctx:
        result = transfer.transfer_all(ctx, "ka", "kb")
    assert {"open projects", "orders still owed"} <= set(result.moved)
    lifecycle.disable(deployment, deployment.resolve_actor("admin"), "customer_resources")
    with block2.work("kb") as ctx:
        assert len(projects.list_page(ctx)) == 1


def test_a_won_project_becomes_an_order_and_its_expenses_expenses(
    block2: Block2, tmp_path: Path
) -> None:
    """With block 1: winning places the order (the accepted quote's product lines after
    discount, a service line for the rest), so sales, receivables and dunning follow the
    contract; a project expense is one of the company's expenses too."""
    pytest.importorskip("crm_customer_resources", reason="block 1 is not installed beside block 2")
    from crm_customer_resources.services import orders as block1_orders

    deployment = block2.deployment
    lifecycle.enable(deployment, deployment.resolve_actor("admin"), ["customer_resources"])
    pid = new_project(block2).id
    with block2.work("ka", write=True) as ctx:
        project = projects.get(ctx, pid)
        items = [money.parse_item("EQ-1:3@100000-3%/60000"), money.parse_item("系统集成:1@20000")]
        quote = money.add_quote(ctx, project, items)
        money.set_quote_status(ctx, project, quote.version, "accepted")
        money.add_cost(ctx, project, "expense", "差旅", "1200")
        money.add_cost(ctx, project, "expense", "投标保证金手续费", "300")
    win(block2, pid, tmp_path)
    with block2.work("ka") as ctx:
        (order,) = block1_orders.list_page(ctx)
        lines = block1_orders.lines_of(ctx, block1_orders.get(ctx, str(order["number"])))
        plan = block1_orders.installments_of(ctx, block1_orders.get(ctx, str(order["number"])))
    assert order["total"] == Decimal("311000.00") and order["owed"] == Decimal("311000.00")
    assert [(x["product"], x["quantity"], x["amount"]) for x in lines] == [
        ("EQ-1", 3, Decimal("291000.00")),
        ("PS-SERVICE", 1, Decimal("20000.00")),
    ]
    assert [i.amount for i in plan] == [Decimal("311000.00")]
    with block2.work("km") as ctx:
        by_customer = reports.run(ctx, "sales", {"by": "customer"}).records()
        spent = {
            r["category"]: r["amount"]
            for r in reports.run(ctx, "expenses", {"by": "category"}).records()
        }
        feed = ctx.session.scalars(select(ProjectNote.body)).all()
    assert by_customer == [
        {"customer": "华东重工集团", "orders": 1, "amount": Decimal("311000.00")}
    ]
    assert spent == {"travel": Decimal("1200.00"), "other": Decimal("300.00")}
    assert any(order["number"] in body for body in feed)


def test_only_admins_change_the_pipeline_and_sales_cannot_touch_others(block2: Block2) -> None:
    pid = new_project(block2).id
    with pytest.raises(NotFound), block2.work("kb", write=True) as ctx:
        projects.lose(ctx, pid, "x")
    with pytest.raises(PermissionDenied), block2.work("km", write=True) as ctx:
        pipeline.unrequire(ctx, "*", "solution", "design_plan")


def test_branch_round_trip(block2: Block2) -> None:
    deployment = block2.deployment
    assert schema_differences(deployment, {"crm_core", "project_sales"}) == []
    with deployment.engine.begin() as conn:
        command.downgrade(alembic_config(deployment.catalog, conn), "project_sales@base")
    assert not any(t.startswith("ps_") for t in inspect(deployment.engine).get_table_names())
    with deployment.engine.begin() as conn:
        command.upgrade(alembic_config(deployment.catalog, conn), "project_sales@head")
    assert schema_differences(deployment, {"crm_core", "project_sales"}) == []


def test_cli(block2: Block2, crm_cli, tmp_path: Path) -> None:
    plan = tmp_path / "设计方案.pdf"
    plan.write_bytes(b"%PDF-1.4 demo")
    steps = [
        (
            "projects",
            "add",
            "华东重工集团",
            "二期净水工程",
            "--amount",
            "800000",
            "--close",
            "2027-06-30",
        ),
        ("projects", "advance", "二期净水工程"),
        ("projects", "deliver", "二期净水工程", "budget", "--record", '{"amount": "800000"}'),
        ("projects", "advance", "二期净水工程"),
        ("projects", "deliver", "二期净水工程", "design_plan", "--file", str(plan)),
        (
            "projects",
            "person",
            "二期净水工程",
            "王总",
            "--role",
            "decision_maker",
            "--attitude",
            "supporter",
        ),
        (
            "projects",
            "person",
            "二期净水工程",
            "李工",
            "--role",
            "technical_evaluator",
            "--reports-to",
            "王总",
        ),
        ("projects", "competitor", "二期净水工程", "对手乙环境", "--price", "760000"),
        ("quotes", "add", "二期净水工程", "--line", "EQ-1:8-5%/60000"),
        ("quotes", "mark", "二期净水工程", "1", "accepted"),
        ("projects", "cost", "二期净水工程", "2000", "--kind", "expense", "--category", "差旅"),
        ("tasks", "add", "二期净水工程", "约技术交流", "--to", "ka", "--due", "2026-12-10"),
        ("projects", "note", "二期净水工程", "客户希望春节前完工"),
        ("projects", "verify-files"),
    ]
    for step in steps:
        result = crm_cli(*step, as_login="ka")
        assert result.exit_code == 0, (step, result.stderr)
    refused = crm_cli("projects", "advance", "二期净水工程", "--to", "won", as_login="ka")
    assert refused.exit_code == 1 and "quotation: quotation" in refused.stderr
    shown = crm_cli("projects", "show", "二期净水工程", "--format", "json", as_login="ka").json()
    assert shown["stage"] == "solution" and shown["contract_amount"] == "760000.00"
    assert [p["name"] for p in shown["decision_tree"]] == ["王总", "李工"]
    assert shown["gate_done"] == ["design_plan"]
    tree = crm_cli("projects", "tree", "二期净水工程", "--format", "json", as_login="ka").json()
    assert tree[1]["depth"] == 1
    assert crm_cli("pipeline", "show", "--format", "json").json()[2]["gate"] == [
        "design_plan (file)"
    ]
    for name in (
        "project-monthly",
        "pipeline",
        "win-loss",
        "stage-conversion",
        "project-profitability",
    ):
        assert crm_cli("report", "run", name, "--format", "json", as_login="km").exit_code == 0
    assert (
        crm_cli(
            "projects", "deliver", "二期净水工程", "x", "--record", "[1]", as_login="ka"
        ).exit_code
        == 1
    )
    show = crm_cli("customers", "show", "华东重工集团", "--format", "json", as_login="ka").json()
    assert any(s["title"] == "Sales projects" for s in show["sections"])


def test_monthly_margin_uses_quoted_goods_cost_until_goods_are_booked(block2: Block2) -> None:
    pid = new_project(block2).id
    with block2.work("ka", write=True) as ctx:
        project = projects.get(ctx, pid)
        money.add_quote(
            ctx, project, [money.parse_item("EQ-1:2/70000")]
        )  # 200,000 quoted, 140,000 cost
        money.add_cost(ctx, project, "expense", "差旅", "1000")
        assert reports.run(ctx, "project-monthly", {}).records()[0]["margin"] == Decimal("59000.00")
        money.add_cost(ctx, project, "cost", "安装", "5000")  # the quoted goods cost stays
        assert reports.run(ctx, "project-monthly", {}).records()[0]["margin"] == Decimal("54000.00")
        money.add_cost(ctx, project, "goods", "设备", "150000")  # replaces the quoted 140,000
        assert reports.run(ctx, "project-monthly", {}).records()[0]["margin"] == Decimal("44000.00")
