"""What a leaver held and what protection expiry may return to the pool, on a deployment with the
three blocks, driven through the `crm` command as an administrator and a manager would."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from crm_core.contract.testing import CliResult, enable_plugins
from crm_core.foundation.schema import table_of
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import Customer, FollowUp, User
from tests.conftest import needs_the_three_blocks

_resources = pytest.importorskip("crm_customer_resources.models")
CustomerProfile, ServiceCase = _resources.CustomerProfile, _resources.ServiceCase
Task = pytest.importorskip("crm_project_sales.models").Task

pytestmark = needs_the_three_blocks

Cli = Callable[..., CliResult]


def ok(result: CliResult) -> str:
    assert result.exit_code == 0, result.stderr
    return result.output


@pytest.fixture
def company(crm_deployment: Deployment, crm_cli: Cli) -> Deployment:
    enable_plugins(crm_deployment, "customer_resources", "project_sales", "channel_commerce")
    for args in (
        ("teams", "add", "华东区"),
        ("users", "add", "boss", "--name", "华东经理", "--role", "manager", "--team", "华东区"),
        ("users", "add", "li", "--name", "李明", "--role", "sales", "--team", "华东区"),
        ("users", "add", "wang", "--name", "王芳", "--role", "sales", "--team", "华东区"),
        ("users", "add", "desk", "--name", "客服主管", "--role", "manager", "--team", "华东区"),
        ("products", "add", "JS-100", "--name", "净水器", "--price", "10000"),
    ):
        ok(crm_cli(*args, as_login="admin"))
    return crm_deployment


def register(crm_cli: Cli, name: str, *extra: str) -> int:
    out = ok(crm_cli("customers", "add", name, *extra, as_login="li"))
    return int(out.split()[2])


def age_everyone(deployment: Deployment, days: int) -> None:
    """Pretend nobody touched any customer for `days`."""
    profiles = table_of(CustomerProfile)
    with deployment.work("admin", write=True) as ctx:
        ctx.session.execute(
            update(profiles).values(last_activity_at=ctx.now() - timedelta(days=days))
        )


def owners(deployment: Deployment) -> dict[str, str | None]:
    customers, users = table_of(Customer), table_of(User)
    with deployment.work("admin") as ctx:
        rows = ctx.session.execute(
            select(customers.c.name, users.c.login).outerjoin(
                users, users.c.id == customers.c.owner_id
            )
        )
        return {name: login for name, login in rows}


def test_expiry_returns_only_leads_without_open_business(
    company: Deployment, crm_cli: Cli, tmp_path: Path
) -> None:
    register(crm_cli, "纯线索")
    register(crm_cli, "有未结订单")
    ok(crm_cli("orders", "add", "有未结订单", "--line", "JS-100:1", as_login="li"))
    register(crm_cli, "ERP已关单仍欠款")
    out = ok(crm_cli("orders", "add", "ERP已关单仍欠款", "--line", "JS-100:1", as_login="li"))
    number = out.split()[1].rstrip(":")
    ok(crm_cli("orders", "pay", number, "6000", as_login="li"))
    sheet = tmp_path / "erp.jsonl"
    sheet.write_text(
        json.dumps({"kind": "order_status", "id": "s1", "order": number, "status": "closed"})
        + "\n",
        encoding="utf-8",
    )
    ok(crm_cli("sync", "import", str(sheet), as_login="admin"))
    register(crm_cli, "有未结项目")
    ok(
        crm_cli(
            "projects",
            "add",
            "有未结项目",
            "智慧园区",
            "--amount",
            "500000",
            "--close",
            "2027-06-30",
            as_login="li",
        )
    )
    register(crm_cli, "有未结工单")
    ok(
        crm_cli(
            "cases", "open", "有未结工单", "--kind", "complaint", "--title", "漏水", as_login="li"
        )
    )
    register(crm_cli, "供应商甲", "--kind", "supplier")
    register(crm_cli, "经销商甲", "--kind", "agent")
    ok(
        crm_cli(
            "dealers",
            "add",
            "经销商甲",
            "--level",
            "一级",
            "--credit-limit",
            "100000",
            as_login="admin",
        )
    )
    age_everyone(company, 400)

    reminders = ok(crm_cli("reminders", "--all", "--format", "json", as_login="li"))
    ending = {
        item["customer"] for item in json.loads(reminders) if item["kind"] == "protection ends"
    }
    assert ending == set()  # all past their end: the expiry's business, not a reminder

    out = ok(crm_cli("customers", "expire-protection", as_login="boss"))
    held = owners(company)
    assert held["纯线索"] is None, out
    kept = {"有未结订单", "ERP已关单仍欠款", "有未结项目", "有未结工单", "供应商甲", "经销商甲"}
    assert {name for name in kept if held[name] != "li"} == set()


def test_protection_ends_reminder_names_only_what_will_expire(
    company: Deployment, crm_cli: Cli
) -> None:
    register(crm_cli, "快到期线索")
    register(crm_cli, "快到期但有订单")
    ok(crm_cli("orders", "add", "快到期但有订单", "--line", "JS-100:1", as_login="li"))
    days = int(ok(crm_cli("config", "get", "customer_resources.protection_days", as_login="admin")))
    age_everyone(company, days - 3)
    reminders = json.loads(ok(crm_cli("reminders", "--all", "--format", "json", as_login="li")))
    ending = {item["customer"] for item in reminders if item["kind"] == "protection ends"}
    assert ending == {"快到期线索"}


def test_a_leavers_open_work_follows_the_customers_previewed_first(
    company: Deployment, crm_cli: Cli
) -> None:
    ok(
        crm_cli(
            "rules",
            "add",
            "新客户回访",
            "--on",
            "customer.created",
            "--do",
            "follow-up 3 首次回访",
            as_login="admin",
        )
    )
    register(crm_cli, "离职交接客户")
    ok(
        crm_cli(
            "projects",
            "add",
            "离职交接客户",
            "机房改造",
            "--amount",
            "200000",
            "--close",
            "2027-03-31",
            as_login="li",
        )
    )
    project = json.loads(ok(crm_cli("projects", "list", "--format", "json", as_login="li")))[0]
    due = (date.today() + timedelta(days=5)).isoformat()
    ok(
        crm_cli(
            "tasks",
            "add",
            str(project["id"]),
            "准备方案",
            "--to",
            "li",
            "--due",
            due,
            as_login="li",
        )
    )
    ok(
        crm_cli(
            "tasks",
            "add",
            str(project["id"]),
            "现场勘察",
            "--to",
            "boss",
            "--due",
            due,
            as_login="li",
        )
    )
    ok(
        crm_cli(
            "cases",
            "open",
            "离职交接客户",
            "--kind",
            "complaint",
            "--title",
            "安装延误",
            as_login="li",
        )
    )
    ok(
        crm_cli(
            "cases",
            "open",
            "离职交接客户",
            "--kind",
            "feedback",
            "--title",
            "发票",
            "--assignee",
            "desk",
            as_login="li",
        )
    )

    def assignees() -> dict[str, list[str]]:
        users = table_of(User)
        found: dict[str, list[str]] = {}
        with company.work("admin") as ctx:
            for label, table, what in (
                ("follow-ups", table_of(FollowUp), table_of(FollowUp).c.text),
                ("tasks", table_of(Task), table_of(Task).c.title),
                ("cases", table_of(ServiceCase), table_of(ServiceCase).c.title),
            ):
                rows = ctx.session.execute(
                    select(what, users.c.login)
                    .join(users, users.c.id == table.c.assignee_id)
                    .order_by(what)
                )
                found[label] = [f"{text}:{login}" for text, login in rows]
        return found

    before = assignees()
    assert before == {
        "follow-ups": ["首次回访:li"],
        "tasks": ["准备方案:li", "现场勘察:boss"],
        "cases": ["发票:desk", "安装延误:li"],
    }
    preview = ok(
        crm_cli(
            "customers",
            "transfer",
            "--from",
            "li",
            "--to",
            "wang",
            "--dry-run",
            "--format",
            "json",
            as_login="boss",
        )
    )
    moved = {row["what"]: row["count"] for row in json.loads(preview)}
    assert moved["customers"] == 1
    assert moved["open follow-ups"] == 1
    assert moved["open project tasks"] == 1
    assert moved["open service cases"] == 1
    assert moved["open projects"] == 1
    assert assignees() == before and owners(company)["离职交接客户"] == "li"

    result = crm_cli("customers", "transfer", "--from", "li", "--to", "wang", as_login="boss")
    assert "crm users change li --inactive" in ok(result)
    assert assignees() == {
        "follow-ups": ["首次回访:wang"],
        "tasks": ["准备方案:wang", "现场勘察:boss"],
        "cases": ["发票:desk", "安装延误:wang"],
    }
    week = (date.today() + timedelta(days=7)).isoformat()
    reminders = json.loads(
        ok(crm_cli("reminders", "--all", "--date", week, "--format", "json", as_login="wang"))
    )
    texts = " ".join(item["what"] for item in reminders)
    assert "首次回访" in texts and "准备方案" in texts
    left = json.loads(
        ok(crm_cli("reminders", "--all", "--date", week, "--format", "json", as_login="li"))
    )
    assert left == []


def test_the_leaver_can_be_deactivated_in_the_same_transfer(
    company: Deployment, crm_cli: Cli
) -> None:
    register(crm_cli, "某客户")
    refused = crm_cli(
        "customers", "transfer", "--from", "li", "--to", "wang", "--deactivate", as_login="boss"
    )
    assert refused.exit_code != 0 and "admins only" in refused.stderr
    assert owners(company)["某客户"] == "li"
    out = ok(
        crm_cli(
            "customers",
            "transfer",
            "--from",
            "li",
            "--to",
            "wang",
            "--deactivate",
            as_login="admin",
        )
    )
    assert "li is deactivated" in out
    assert crm_cli("customers", "list", as_login="li").exit_code != 0


def test_an_order_the_erp_closed_with_money_owed_is_owed_and_dunned(
    company: Deployment, crm_cli: Cli, tmp_path: Path
) -> None:
    register(crm_cli, "关单欠款客户")
    ordered = (date.today() - timedelta(days=60)).isoformat()
    out = ok(
        crm_cli(
            "orders",
            "add",
            "关单欠款客户",
            "--line",
            "JS-100:1",
            "--date",
            ordered,
            "--every",
            "30",
            as_login="li",
        )
    )
    number = out.split()[1].rstrip(":")
    ok(crm_cli("orders", "pay", number, "6000", as_login="li"))
    sheet = tmp_path / "erp.jsonl"
    item = {"kind": "order_status", "id": "s1", "order": number, "status": "closed"}
    sheet.write_text(json.dumps(item) + "\n", encoding="utf-8")
    ok(crm_cli("sync", "import", str(sheet), as_login="admin"))
    ageing = json.loads(
        ok(crm_cli("report", "run", "receivables-ageing", "--format", "json", as_login="boss"))
    )
    assert sum(float(row.get("total", 0) or 0) for row in ageing) == 4000
    reminders = json.loads(ok(crm_cli("reminders", "--all", "--format", "json", as_login="li")))
    dunning = [item for item in reminders if item["kind"] == "dunning"]
    assert [item["customer"] for item in dunning] == ["关单欠款客户"]
    assert "4000.00 outstanding" in dunning[0]["what"]
