"""Reminders (follow-ups, dunning, stale customers), expenses, knowledge, service cases."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import Block1
from openpyxl import Workbook
from sqlalchemy import delete, update

from crm_core.features import reminders
from crm_core.features.imports import service as importing
from crm_core.features.reports import engine as reports
from crm_core.features.rollups.spec import RollupState
from crm_core.foundation.errors import PermissionDenied, ValidationError
from crm_core.foundation.schema import table_of
from crm_core.hooks.actor import SYSTEM
from crm_core.kernel.models import Customer
from crm_core.services import customers, interactions, transfer
from crm_customer_resources.models import CustomerProfile
from crm_customer_resources.services import cases, expenses, knowledge, orders


def kinds(rows: list[dict[str, object]]) -> set[tuple[object, object]]:
    return {(r["kind"], r["customer"]) for r in rows}


def test_dunning_reaches_the_owner_and_the_managers(block1: Block1) -> None:
    with block1.work("a", write=True) as ctx:
        cid = str(customers.create(ctx, {"name": "欠款客户"}).id)
        order = orders.create(
            ctx,
            cid,
            [orders.LineRequest("P1", 1)],
            ordered_on=date(2026, 1, 1),
            plan=[(date(2026, 2, 1), Decimal("400")), (date(2026, 3, 1), Decimal("600"))],
        )
        orders.pay(ctx, order.number, Decimal("400"))
    with block1.work("a") as ctx:
        assert ("payment due", "欠款客户") in kinds(reminders.collect(ctx, date(2026, 3, 1)))
        assert ("dunning", "欠款客户") in kinds(reminders.collect(ctx, date(2026, 3, 5)))
        assert not any(
            r["kind"].startswith("dunning") for r in reminders.collect(ctx, date(2026, 2, 20))
        )
    for manager in ("lead1", "boss"):
        with block1.work(manager) as ctx:
            assert ("dunning (team)", "欠款客户") in kinds(reminders.collect(ctx, date(2026, 3, 5)))
    with block1.work("c") as ctx:
        assert reminders.collect(ctx, date(2026, 3, 5)) == []
    with block1.work("a", write=True) as ctx:
        orders.pay(ctx, order.number, Decimal("600"))
    with block1.work("boss") as ctx:
        assert not any(
            r["kind"].startswith("dunning") for r in reminders.collect(ctx, date(2026, 3, 5))
        )


def test_stale_customers_and_protection_ending(block1: Block1) -> None:
    with block1.work("a", write=True) as ctx:
        cid = customers.create(ctx, {"name": "冷落客户"}).id
        today = ctx.today()
        ctx.session.execute(
            update(table_of(CustomerProfile))
            .where(table_of(CustomerProfile).c.customer_id == cid)
            .values(last_activity_at=ctx.now() - timedelta(days=26))
        )
    with block1.work("a") as ctx:
        assert ("protection ends", "冷落客户") in kinds(reminders.collect(ctx, today))
        assert ("not contacted", "冷落客户") not in kinds(reminders.collect(ctx, today))
        later = reminders.collect(ctx, today + timedelta(days=31))
        assert ("not contacted", "冷落客户") in kinds(later)
    for other in ("b", "c"):  # a colleague in the same team, one in another: neither
        with block1.work(other) as ctx:
            theirs = kinds(reminders.collect(ctx, today + timedelta(days=31)))
            assert not {k for k in theirs if k[1] == "冷落客户"}, other
    with block1.work("lead1", write=True) as ctx:  # handed over: the lists follow the customer
        transfer.transfer_all(ctx, "a", "b")
    for login, expected in (("a", False), ("b", True)):
        with block1.work(login) as ctx:
            listed = kinds(reminders.collect(ctx, today + timedelta(days=31)))
            assert (("not contacted", "冷落客户") in listed) is expected, login
        with block1.work(login) as ctx:
            listed = kinds(reminders.collect(ctx, today))
            assert (("protection ends", "冷落客户") in listed) is expected, login


def test_a_team_s_call_skips_what_cannot_be_overdue_and_keeps_the_rest(block1: Block1) -> None:
    """Asked with `overdue_only` (a manager's team), the collectors return exactly the items due
    before the day that the full call returns: no payments due today, no protection ending next
    week, no follow-up due today; and a manager's reminders list the same team items."""
    with block1.work("a", write=True) as ctx:
        on = ctx.today() + timedelta(days=5)
        cid = str(customers.create(ctx, {"name": "今日到期"}).id)
        order = orders.create(
            ctx,
            cid,
            [orders.LineRequest("P1", 1)],
            ordered_on=on - timedelta(days=40),
            plan=[(on - timedelta(days=20), Decimal("400")), (on, Decimal("600"))],
        )
        ending = customers.create(ctx, {"name": "保护将到期"}).id
        ctx.session.execute(
            update(table_of(CustomerProfile))
            .where(table_of(CustomerProfile).c.customer_id == ending)
            .values(
                last_activity_at=datetime.combine(
                    on - timedelta(days=26), datetime.min.time(), ctx.zone
                )
            )
        )
        interactions.log(ctx, cid, "call", next_contact_on=on)
    with block1.work("b", write=True) as ctx:
        late = str(customers.create(ctx, {"name": "跟进逾期"}).id)
        interactions.log(ctx, late, "call", next_contact_on=on - timedelta(days=2))
    assert order.number
    with block1.work("lead1") as ctx:
        people = [block1.deployment.resolve_actor(login).id for login in ("a", "b")]

        def items(overdue_only: bool) -> list[tuple[object, ...]]:
            found = ctx.hook.collect(
                "crm_collect_reminders",
                ctx=ctx,
                user_ids=people,
                on=on,
                limit=None,
                overdue_only=overdue_only,
            )
            return sorted((r.due_on, r.kind, r.customer, r.person_id) for r in found)

        everything, overdue = items(False), items(True)
        assert overdue == [item for item in everything if item[0] < on]
        skipped = {(kind, customer) for due, kind, customer, _p in everything if due >= on}
        assert skipped == {
            ("payment due", "今日到期"),
            ("follow-up", "今日到期"),
            ("protection ends", "保护将到期"),
        }
        assert {(kind, customer) for _d, kind, customer, _p in overdue} == {
            ("dunning", "今日到期"),
            ("follow-up", "跟进逾期"),
        }
        team = [r for r in reminders.collect(ctx, on) if r["person"] != "lead1"]
        assert sorted((r["kind"], r["customer"]) for r in team) == [
            ("dunning", "今日到期"),
            ("follow-up", "跟进逾期"),
        ]


def test_not_contacted_runs_from_the_newest_contact_and_a_backdated_one_does_not_move_it(
    block1: Block1,
) -> None:
    with block1.work("a", write=True) as ctx:
        cid = str(customers.create(ctx, {"name": "久未联系"}).id)
        today = ctx.today()
        interactions.log(ctx, cid, "call", occurred_at=ctx.now() - timedelta(days=10))
        interactions.log(ctx, cid, "visit", occurred_at=ctx.now() - timedelta(days=50))
        profile = ctx.session.get(CustomerProfile, int(cid))
        assert profile is not None and profile.last_contact_at is not None
        assert ctx.local(profile.last_contact_at).date() == today - timedelta(days=10)
    with block1.work("a") as ctx:
        assert ("not contacted", "久未联系") not in kinds(reminders.collect(ctx, today))
        stale = [
            r
            for r in reminders.collect(ctx, today + timedelta(days=25))
            if r["customer"] == "久未联系" and r["kind"] == "not contacted"
        ]
        assert [r["due_on"] for r in stale] == [(today + timedelta(days=20)).isoformat()]
    with block1.work("lead1") as ctx:  # a manager sees the team's overdue ones too
        assert ("not contacted", "久未联系") in kinds(
            reminders.collect(ctx, today + timedelta(days=25))
        )


def test_expenses_visibility_and_report(
    block1: Block1, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with block1.work("a", write=True) as ctx:
        expenses.record(ctx, "120.50", "travel")
        with pytest.raises(ValidationError):
            expenses.record(ctx, "10", "yacht")
        with pytest.raises(ValidationError):
            expenses.record(ctx, "-1", "travel")
        with pytest.raises(PermissionDenied):
            expenses.record(ctx, "10", "travel", for_login="c")
    with block1.work("lead1", write=True) as ctx:
        expenses.record(ctx, "80", "gifts", for_login="b")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["报销人", "类别", "金额", "日期", "备注"])
    sheet.append(["c", "差旅", "300", "2026-11-01", "高铁"])
    sheet.append(["c", "招待", "200.25", "2026-11-02", None])
    book.save(tmp_path / "e.xlsx")
    with block1.work("boss", write=True) as ctx:
        assert importing.import_file(ctx, "expenses", tmp_path / "e.xlsx").written == 2
    with block1.work("a") as ctx:
        assert [r["amount"] for r in expenses.list_page(ctx)] == [Decimal("120.50")]
    with block1.work("boss") as ctx:
        table = {
            r["category"]: r["amount"]
            for r in reports.run(ctx, "expenses", {"by": "category"}).records()
        }
        assert table == {
            "travel": Decimal("420.50"),
            "gifts": Decimal("80.00"),
            "entertainment": Decimal("200.25"),
        }
        by_person = {
            r["person"]: r["count"]
            for r in reports.run(ctx, "expenses", {"by": "person"}).records()
        }
        assert by_person == {"a": 1, "b": 1, "c": 2}
    for login, expected in (("a", {"a"}), ("lead1", {"a", "b"}), ("boss", {"a", "b", "c"})):
        with block1.work(login) as ctx:  # an export holds what its reader may see, no more
            target = tmp_path / f"{login}.csv"
            assert importing.export_file(ctx, "expenses", target) == len(expected) + (
                login == "boss"
            )
            lines = target.read_text(encoding="utf-8-sig").splitlines()
            assert lines[0].split(",")[:3] == ["user", "category", "amount"]
            assert {line.split(",")[0] for line in lines[1:]} == expected
            # The count an .xlsx export asks for first: the same rows, capped.
            assert expenses.count_rows(ctx, {}, 10) == len(lines) - 1
            assert expenses.count_rows(ctx, {}, 1) == min(len(lines) - 1, 2)
    from crm_core.features.imports import exporting

    monkeypatch.setattr(exporting, "XLSX_ROWS", 4)  # a sheet of three rows: refused at once
    with block1.work("boss") as ctx:
        with pytest.raises(ValidationError, match=r"write \.csv"):
            importing.export_file(ctx, "expenses", tmp_path / "boss.xlsx")
        assert not (tmp_path / "boss.xlsx").exists()
    with block1.work("lead1") as ctx:
        assert importing.export_file(ctx, "expenses", tmp_path / "lead1.xlsx") == 2
    with block1.work("boss", write=True) as ctx:  # and it imports back as it came out
        again = importing.import_file(ctx, "expenses", tmp_path / "boss.csv", dry_run=True)
        assert again.rejected == 0


def test_knowledge_search_in_chinese(block1: Block1, tmp_path: Path) -> None:
    attachment = tmp_path / "报价单.pdf"
    attachment.write_bytes(b"%PDF")
    with block1.work("a", write=True) as ctx:
        knowledge.add(ctx, "净水器售后政策", "faq", "三年质保，上门服务。", [str(attachment)])
        knowledge.add(ctx, "竞品分析", "competitor", "对手的净水器价格低，但售后网点少。")
        knowledge.add(ctx, "拜访技巧", "technique", "先约时间。")
        with pytest.raises(ValidationError, match="does not exist"):
            knowledge.add(ctx, "坏附件", "faq", "正文", [str(tmp_path / "missing.pdf")])
        found = knowledge.search(ctx, "净水器 售后")
        assert [a.title for a in found] == ["净水器售后政策", "竞品分析"]
        assert knowledge.search(ctx, "售后", category="competitor")[0].title == "竞品分析"
        assert knowledge.search(ctx, "100%") == []
        assert found[0].attachments == [str(attachment.resolve())]


def test_a_knowledge_body_file_in_gb18030_is_read_and_bad_bytes_are_refused(
    block1: Block1, crm_cli, tmp_path: Path
) -> None:
    saved = tmp_path / "话术.txt"
    saved.write_bytes("先问需求，再谈价格。".encode("gb18030"))
    added = crm_cli(
        "knowledge",
        "add",
        "电话话术",
        "--category",
        "technique",
        "--body-file",
        str(saved),
        as_login="a",
    )
    assert added.exit_code == 0, added.stderr
    with block1.work("a") as ctx:
        assert [a.title for a in knowledge.search(ctx, "需求")] == ["电话话术"]
    broken = tmp_path / "坏文件.txt"
    broken.write_bytes(b"\x87\xff\xfe\x80")
    refused = crm_cli(
        "knowledge",
        "add",
        "坏文件",
        "--category",
        "faq",
        "--body-file",
        str(broken),
        as_login="a",
    )
    assert refused.exit_code == 1 and "坏文件.txt" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    with block1.work("a") as ctx:
        assert knowledge.search(ctx, "坏文件") == []


def test_service_case_flow(block1: Block1) -> None:
    with block1.work("a", write=True) as ctx:
        cid = str(customers.create(ctx, {"name": "投诉客户"}).id)
        case = cases.open_case(ctx, cid, "complaint", "安装延期")
        with pytest.raises(ValidationError, match="cannot become closed"):
            cases.move(ctx, case.id, "closed")
        with pytest.raises(ValidationError, match="resolution"):
            cases.move(ctx, case.id, "resolved")
        cases.move(ctx, case.id, "in_progress")
        with pytest.raises(PermissionDenied):
            cases.assign(ctx, case.id, "b")
    with (
        pytest.raises(ValidationError, match="may not see"),
        block1.work("lead1", write=True) as ctx,
    ):
        cases.assign(ctx, case.id, "b")  # b cannot see a's customer
    with block1.work("lead1", write=True) as ctx:
        cases.assign(ctx, case.id, "lead1")
    with pytest.raises(PermissionDenied), block1.work("a", write=True) as ctx:
        cases.move(ctx, case.id, "resolved", "已处理")
    with block1.work("lead1", write=True) as ctx:
        cases.move(ctx, case.id, "resolved", "已安排上门")
        cases.move(ctx, case.id, "closed")
        assert cases.list_page(ctx, mine=True)[0]["status"] == "closed"
    with block1.work("c") as ctx:
        assert cases.list_page(ctx) == []


def test_reports_aggregate_visible_rows(block1: Block1) -> None:
    with block1.work("a", write=True) as ctx:
        a_cid = str(
            customers.create(ctx, {"name": "甲的客户", "industry": "制造业", "region": "华东"}).id
        )
        order = orders.create(
            ctx, a_cid, [orders.LineRequest("P1", 3)], ordered_on=date(2026, 10, 5)
        )
        orders.pay(ctx, order.number, Decimal("500"), received_on=date(2026, 10, 20))
    with block1.work("c", write=True) as ctx:
        c_cid = str(
            customers.create(ctx, {"name": "丙的客户", "industry": "教育", "region": "华南"}).id
        )
        orders.create(ctx, c_cid, [orders.LineRequest("P2", 10)], ordered_on=date(2026, 11, 5))
    with block1.work("boss") as ctx:
        assert reports.run(ctx, "sales", {"by": "month"}).records() == [
            {"month": "2026-10", "orders": 1, "amount": Decimal("3000.00")},
            {"month": "2026-11", "orders": 1, "amount": Decimal("399.00")},
        ]
        by_product = reports.run(ctx, "sales", {"by": "product"}).records()
        assert [(r["product"], r["quantity"]) for r in by_product] == [("P1", 3), ("P2", 10)]
        combined = reports.run(ctx, "sales", {"by": "month, salesperson,industry"})
        assert combined.columns == ("month", "salesperson", "industry", "orders", "amount")
        assert [tuple(row) for row in combined.rows] == [
            ("2026-10", "a", "制造业", 1, Decimal("3000.00")),
            ("2026-11", "c", "教育", 1, Decimal("399.00")),
        ]
        for wrong in ("month,product", "month,month", "month,colour"):
            with pytest.raises(ValidationError):
                reports.run(ctx, "sales", {"by": wrong})
        assert reports.run(ctx, "receipts", {"by": "industry"}).records() == [
            {"industry": "制造业", "payments": 1, "amount": Decimal("500.00")}
        ]
        ageing = {
            r["customer"]: r
            for r in reports.run(
                ctx, "receivables-ageing", {"by": "customer", "on": "2027-01-20"}
            ).records()
        }
        assert ageing["甲的客户"]["over_90"] == Decimal("0.00") and ageing["甲的客户"][
            "61_90"
        ] == Decimal("2500.00")
        assert ageing["丙的客户"]["31_60"] == Decimal("399.00")
        # read as the database sums them: an empty bucket is still an amount of two places
        assert {str(v) for v in ageing["甲的客户"].values() if isinstance(v, Decimal)} >= {"0.00"}
        development = reports.run(ctx, "customer-development", {"by": "region"}).records()
        assert sorted(r["region"] for r in development) == ["华东", "华南"]
    with block1.work("a") as ctx:
        assert [
            r["customer"]
            for r in reports.run(ctx, "receivables-ageing", {"by": "customer"}).records()
        ] == ["甲的客户"]
        assert reports.run(ctx, "salesperson-activity", {}).records() == []


def test_cli_commands(block1: Block1, crm_cli) -> None:
    with block1.work(SYSTEM, write=True) as ctx:
        customers.create(ctx, {"name": "命令行公海客户"}, pool=True)
    assert crm_cli("customers", "claim", "命令行公海客户", as_login="a").exit_code == 0
    assert crm_cli("customers", "level", "命令行公海客户", "signed", as_login="a").exit_code == 0
    added = crm_cli(
        "orders",
        "add",
        "命令行公海客户",
        "--line",
        "P1:2",
        "--line",
        "P2:1@30",
        "--plan",
        "2099-01-01=1000",
        "--plan",
        "2099-02-01=1030",
        as_login="a",
    )
    assert added.exit_code == 0, added.stderr
    listed = crm_cli("orders", "list", "--format", "json", as_login="a").json()
    assert listed[0]["total"] == "2030.00" and listed[0]["owed"] == "2030.00"
    number = listed[0]["number"]
    assert crm_cli("orders", "pay", number, "2030.01", as_login="a").exit_code == 1
    assert crm_cli("orders", "pay", number, "1000", as_login="a").exit_code == 0
    shown = crm_cli("orders", "show", number, "--format", "json", as_login="a").json()
    assert [i["paid"] for i in shown["installments"]] == ["1000.00", "0.00"]
    assert (shown["customer"], shown["salesperson"]) == ("命令行公海客户", "a")
    assert [(x["product"], x["quantity"]) for x in shown["lines"]] == [("P1", 2), ("P2", 1)]
    assert [(p["amount"], p["recorded_by"]) for p in shown["payments"]] == [("1000.00", "a")]
    table = crm_cli("orders", "show", number, as_login="a").output
    assert "Lines" in table and "Payments" in table and "净水器" in table
    received = crm_cli("orders", "payments", "--format", "json", as_login="a").json()
    assert [(p["order"], p["customer"], p["amount"]) for p in received] == [
        (number, "命令行公海客户", "1000.00")
    ]
    assert crm_cli("orders", "payments", "--format", "json", as_login="c").json() == []
    show = crm_cli("customers", "show", "命令行公海客户", "--format", "json", as_login="a").json()
    sections = {s["title"]: s["rows"] for s in show["sections"]}
    assert sections["Customer resources"][0]["grade"] == 1 and len(sections["Orders"]) == 1
    assert crm_cli("customers", "grade", "命令行公海客户", "4", as_login="boss").exit_code == 0
    assert (
        crm_cli("picklists", "list", "region", "--format", "json").json()[0]["label_zh"] == "华东"
    )
    assert crm_cli("expenses", "add", "99.9", "--category", "travel", as_login="a").exit_code == 0
    assert crm_cli("knowledge", "add", "标题", "--category", "faq", "--body", "内容").exit_code == 0
    assert crm_cli("knowledge", "search", "内容", "--format", "json").json()[0]["title"] == "标题"
    assert (
        crm_cli(
            "cases", "open", "命令行公海客户", "--kind", "feedback", "--title", "建议", as_login="a"
        ).exit_code
        == 0
    )
    assert crm_cli("cases", "resolve", "1", "--resolution", "已回复", as_login="a").exit_code == 0
    assert crm_cli("customers", "expire-protection").exit_code == 0
    for name in (
        "customer-development",
        "sales",
        "receipts",
        "receivables-ageing",
        "expenses",
        "salesperson-activity",
    ):
        result = crm_cli("report", "run", name, "--format", "json", as_login="boss")
        assert result.exit_code == 0, (name, result.stderr)
    assert crm_cli("customers", "release", "命令行公海客户", as_login="c").exit_code == 1
    assert crm_cli("seed-demo").exit_code == 0


def test_activity_per_salesperson_lists_the_whole_team_least_active_first(block1: Block1) -> None:
    """`salesperson-activity -p by=salesperson -p logged_by=team` (the managers' tile): each
    person of the reader's team with interactions and active days over the period, those who
    logged nothing included, the least active first; the same from the rollup and the source."""
    zone = ZoneInfo("Asia/Shanghai")
    days = [datetime(2026, 11, d, 10, tzinfo=zone) for d in (2, 2, 3)]
    with block1.work("a", write=True) as ctx:
        mine = str(customers.create(ctx, {"name": "甲的老客户"}).id)
        for moment in days:
            interactions.log(ctx, mine, "visit", occurred_at=moment)
        released = customers.create(ctx, {"name": "后来放回公海的客户"}).id
        interactions.log(ctx, str(released), "call", occurred_at=days[0])
    with block1.deployment.engine.begin() as connection:  # same day, now under another owner
        connection.execute(
            update(table_of(Customer))
            .where(table_of(Customer).c.id == released)
            .values(owner_id=None)
        )
    with block1.work("b", write=True) as ctx:
        theirs = str(customers.create(ctx, {"name": "乙的老客户"}).id)
        interactions.log(ctx, theirs, "call", occurred_at=days[0])
        interactions.log(ctx, theirs, "call", occurred_at=datetime(2026, 10, 30, tzinfo=zone))
    params = {"by": "salesperson", "logged_by": "team", "since": "2026-11-01"}
    expected = {
        "boss": [("boss", 0, 0), ("c", 0, 0), ("lead1", 0, 0), ("b", 1, 1), ("a", 4, 2)],
        "lead1": [("lead1", 0, 0), ("b", 1, 1), ("a", 4, 2)],
        "a": [("a", 4, 2)],
        "c": [("c", 0, 0)],
    }
    for login, rows in expected.items():
        with block1.work(login, write=True) as ctx:
            table = reports.run(ctx, "salesperson-activity", params)
            assert table.columns == ("user", "interactions", "active_days")
            assert [tuple(r) for r in table.rows] == rows, login
            ctx.session.execute(delete(RollupState))  # the source path gives the same
            assert [tuple(r) for r in reports.run(ctx, "salesperson-activity", params).rows] == rows
            ctx.session.rollback()


def test_a_manager_of_several_teams_too_many_to_list_sees_team_tiles(block1: Block1) -> None:
    """Ageing and activity tiles list people while they fit a tile's table; a manager whose
    people are more than that, across teams, gets them per team (the lead of one team never)."""
    from crm_core.features.reports import dashboard
    from crm_core.services import users

    def tiles(login: str) -> dict[str, tuple[dict[str, str], list[str]]]:
        with block1.work(login) as ctx:
            drawn = dashboard.tiles(ctx, date(2026, 11, 20), workers=1)
        return {t.name: (t.params, t.columns) for t in drawn}

    grouped = ("receivables-ageing", "salesperson-activity")
    assert all(tiles("boss")[name][0]["by"] == "salesperson" for name in grouped)
    with block1.work("admin", write=True) as ctx:
        for k in range(dashboard.TABLE_ROWS + 5):  # the lead of 一组 too has more than that
            users.add(ctx, f"s{k}", f"业务员{k}", "sales", "一组" if k % 9 else "二组")
    for login, by in (("boss", "team"), ("admin", "team"), ("lead1", "salesperson")):
        drawn = tiles(login)
        for name in (n for n in grouped if n in drawn or login != "admin"):  # activity: managers
            params, columns = drawn[name]
            assert params["by"] == by, (login, name)
            assert (columns[0] == "team") == (by == "team"), (login, name)
        assert drawn["sales"][0]["by"] == "month"  # tiles without team parameters unchanged
    activity = tiles("boss")["salesperson-activity"]
    assert activity[0]["logged_by"] == "team"  # the rest of the tile's parameters kept
    with block1.work("boss") as ctx:  # the tiles that list people start first, shown in order
        jobs = dashboard._tile_jobs(ctx, date(2026, 11, 20))
        names = [job.keywords["report"].name for job in jobs]
        started = [names[position] for position in dashboard.start_order(list(jobs))]
        assert started[:2] == list(grouped) and started[2:] == [
            n for n in names if n not in grouped
        ]
        assert names == sorted(names)
        assert [t.name for t in dashboard.tiles(ctx, date(2026, 11, 20), workers=2)] == names


def test_every_table_is_under_the_visibility_policy_or_says_why() -> None:
    from crm_core.contract.testing import assert_tables_scoped
    from crm_customer_resources.plugin import plugin

    assert_tables_scoped(
        plugin,
        shared={"cr_article": "the knowledge base is written for the whole sales force"},
    )


def test_the_general_managers_dashboard_reads_development_receipts_and_expenses(
    block1: Block1,
) -> None:
    """The case study's general manager reads customer development, sales receipts (回款) and
    expenses every morning: all on the admins' and managers' page, charted as amounts."""
    from crm_core.features.reports import dashboard

    with block1.work("a", write=True) as ctx:
        cid = str(customers.create(ctx, {"name": "晨会客户"}).id)
        order = orders.create(ctx, cid, [orders.LineRequest("P1", 2)])
        orders.pay(ctx, order.number, Decimal("1500"))
    for login in ("admin", "boss"):
        with block1.work(login) as ctx:
            drawn = {t.name: t for t in dashboard.tiles(ctx, ctx.today(), workers=1)}
        assert {"new-customers-by-month", "sales", "receipts", "expenses"} <= set(drawn), login
        receipts = drawn["receipts"]
        assert receipts.params["by"] == "month"
        assert receipts.rows and receipts.rows[-1][-1] == Decimal("1500.00")
        for name in ("sales", "receipts", "expenses"):
            assert drawn[name].chart is None or "amount by" in drawn[name].chart, name
        assert drawn["receipts"].chart is not None and "amount by month" in drawn["receipts"].chart


def test_sales_by_customer_puts_the_largest_first(block1: Block1) -> None:
    with block1.work("a", write=True) as ctx:
        small = str(customers.create(ctx, {"name": "小客户"}).id)
        large = str(customers.create(ctx, {"name": "大客户"}).id)
        orders.create(ctx, small, [orders.LineRequest("P2", 1)])
        orders.create(ctx, large, [orders.LineRequest("P1", 3)])
        orders.create(ctx, large, [orders.LineRequest("P1", 1)])
    with block1.work("boss") as ctx:
        table = reports.run(ctx, "sales", {"by": "customer"})
        both = reports.run(ctx, "sales", {"by": "month,customer"})
    assert table.records() == [
        {"customer": "大客户", "orders": 2, "amount": Decimal("4000.00")},
        {"customer": "小客户", "orders": 1, "amount": Decimal("39.90")},
    ]
    assert {r["customer"] for r in both.records()} == {"大客户", "小客户"}
    with block1.work("b") as ctx:  # another salesperson sees neither
        assert reports.run(ctx, "sales", {"by": "customer"}).records() == []
