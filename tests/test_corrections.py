"""Correcting and deleting what people typed: contacts, interactions, products, expenses and
knowledge articles, with the rights a user expects, audited, deleted into a recycle bin that
restores them whole, on a deployment with the three blocks."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from crm_core.contract.testing import CliResult, enable_plugins
from crm_core.foundation.schema import table_of
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import AuditEntry, Contact, DeletedRecord, Interaction
from tests.conftest import needs_the_three_blocks

CustomerProfile = pytest.importorskip("crm_customer_resources.models").CustomerProfile

pytestmark = needs_the_three_blocks

Cli = Callable[..., CliResult]


def ok(result: CliResult) -> str:
    assert result.exit_code == 0, result.stderr
    return result.output


def refused(result: CliResult, reason: str) -> None:
    assert result.exit_code != 0, result.output
    assert reason in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.fixture
def company(crm_deployment: Deployment, crm_cli: Cli) -> Deployment:
    enable_plugins(crm_deployment, "customer_resources", "project_sales", "channel_commerce")
    for args in (
        ("teams", "add", "华东区"),
        ("users", "add", "boss", "--name", "华东经理", "--role", "manager", "--team", "华东区"),
        ("users", "add", "li", "--name", "李明", "--role", "sales", "--team", "华东区"),
        ("users", "add", "wang", "--name", "王芳", "--role", "sales", "--team", "华东区"),
        ("products", "add", "JS-100", "--name", "净水器", "--price", "100"),
        ("products", "add", "JS-999", "--name", "样机", "--price", "1"),
        ("fields", "add", "contacts", "wechat", "--type", "text", "--label-zh", "微信"),
    ):
        ok(crm_cli(*args, as_login="admin"))
    ok(crm_cli("customers", "add", "改错公司", as_login="li"))
    return crm_deployment


def count(deployment: Deployment, model: type) -> int:
    with deployment.work("admin") as ctx:
        return int(ctx.session.scalar(select(func.count()).select_from(table_of(model))) or 0)


def test_a_contact_is_corrected_deleted_and_restored_whole(
    company: Deployment, crm_cli: Cli
) -> None:
    ok(crm_cli("contacts", "add", "改错公司", "张三", "--phone", "13800138000", as_login="li"))
    ok(crm_cli("fields", "set", "contacts", "1", "wechat=zhangsan", as_login="li"))
    ok(
        crm_cli(
            "interactions", "log", "改错公司", "--kind", "visit", "--contact", "张三", as_login="li"
        )
    )
    refused(crm_cli("contacts", "update", "1", "--title", "x", as_login="wang"), "No contact")
    ok(crm_cli("contacts", "update", "1", "--title", "采购经理", "--email", "", as_login="li"))
    refused(crm_cli("contacts", "update", "1", "--email", "not-mail", as_login="li"), "email")
    out = ok(crm_cli("contacts", "delete", "1", as_login="li"))
    assert "crm trash restore 1" in out
    assert json.loads(ok(crm_cli("contacts", "list", "--format", "json", as_login="li"))) == []
    with company.work("admin") as ctx:
        assert ctx.session.scalar(select(Interaction.contact_id)) is None  # unlinked, kept
    listed = json.loads(ok(crm_cli("trash", "list", "--format", "json", as_login="li")))
    assert [(t["entity"], t["label"], t["deleted_by"]) for t in listed] == [
        ("contacts", "张三", "li")
    ]
    assert json.loads(ok(crm_cli("trash", "list", "--format", "json", as_login="wang"))) == []
    refused(crm_cli("trash", "restore", "1", as_login="wang"), "Nothing in the bin")
    ok(crm_cli("trash", "restore", "1", as_login="li"))
    back = json.loads(ok(crm_cli("contacts", "list", "--format", "json", as_login="li")))
    assert [(c["id"], c["name"], c["title"]) for c in back] == [(1, "张三", "采购经理")]
    shown = ok(crm_cli("fields", "show", "contacts", "1", "--format", "json", as_login="li"))
    assert "zhangsan" in shown
    with company.work("admin") as ctx:
        assert ctx.session.scalar(select(Interaction.contact_id)) == 1  # relinked
        actions = ctx.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.entity == "crm_contact")
            .order_by(AuditEntry.id)
        ).all()
    assert actions[-2:] == ["delete", "restore"] and "update" in actions
    assert count(company, DeletedRecord) == 0


def test_a_contact_in_a_decision_tree_is_not_deleted(company: Deployment, crm_cli: Cli) -> None:
    ok(crm_cli("contacts", "add", "改错公司", "决策人", as_login="li"))
    ok(
        crm_cli(
            "projects",
            "add",
            "改错公司",
            "机房",
            "--amount",
            "1000",
            "--close",
            "2027-01-31",
            as_login="li",
        )
    )
    project = json.loads(ok(crm_cli("projects", "list", "--format", "json", as_login="li")))[0]
    ok(
        crm_cli(
            "projects",
            "person",
            str(project["id"]),
            "决策人",
            "--role",
            "decision_maker",
            as_login="li",
        )
    )
    before = count(company, Contact)
    refused(crm_cli("contacts", "delete", "1", as_login="li"), "cannot be deleted")
    assert count(company, Contact) == before and count(company, DeletedRecord) == 0


def test_correcting_or_deleting_an_interaction_moves_the_customers_clock(
    company: Deployment, crm_cli: Cli
) -> None:
    long_ago = (date.today() - timedelta(days=60)).isoformat()
    ok(
        crm_cli(
            "interactions", "log", "改错公司", "--kind", "call", "--at", long_ago, as_login="li"
        )
    )
    ok(
        crm_cli(
            "interactions", "log", "改错公司", "--kind", "visit", "--notes", "记错了", as_login="li"
        )
    )
    rows = json.loads(ok(crm_cli("interactions", "list", "--format", "json", as_login="li")))
    wrong = max(r["id"] for r in rows)
    refused(crm_cli("interactions", "delete", str(wrong), as_login="wang"), "No interaction")
    ok(
        crm_cli(
            "interactions", "update", str(wrong), "--kind", "电话", "--notes", "", as_login="li"
        )
    )
    fixed = {
        r["id"]: r
        for r in json.loads(ok(crm_cli("interactions", "list", "--format", "json", as_login="li")))
    }
    assert (fixed[wrong]["kind"], fixed[wrong]["notes"]) == ("call", None)
    ok(crm_cli("interactions", "delete", str(wrong), as_login="boss"))  # the author's manager
    with company.work("admin") as ctx:
        profile = ctx.session.scalars(select(CustomerProfile)).one()
        last = ctx.local(profile.last_interaction_at).date()
    assert last.isoformat() == long_ago
    ok(crm_cli("rollups", "status", "--check", as_login="admin"))  # every total still exact
    reminders = json.loads(ok(crm_cli("reminders", "--all", "--format", "json", as_login="li")))
    assert "not contacted" in {r["kind"] for r in reminders}  # 60 days ago is the last contact


def test_a_product_in_use_is_taken_off_sale_not_deleted(company: Deployment, crm_cli: Cli) -> None:
    ok(crm_cli("orders", "add", "改错公司", "--line", "JS-100:1", as_login="li"))
    refused(crm_cli("products", "update", "JS-100", "--price", "120", as_login="li"), "li")
    ok(crm_cli("products", "update", "JS-100", "--price", "120", "--line", "净水", as_login="boss"))
    result = crm_cli("products", "delete", "JS-100", as_login="boss")
    refused(result, "--inactive")
    ok(crm_cli("products", "update", "JS-100", "--inactive", as_login="boss"))
    ok(crm_cli("products", "delete", "JS-999", as_login="boss"))
    codes = {
        p["code"]: (p["price"], p["active"])
        for p in json.loads(ok(crm_cli("products", "list", "--format", "json", as_login="li")))
    }
    assert codes == {"JS-100": ("120.00", False)}


def test_expenses_and_articles_are_corrected_by_their_people(
    company: Deployment, crm_cli: Cli
) -> None:
    ok(crm_cli("expenses", "add", "300", "--category", "差旅", as_login="li"))
    refused(crm_cli("expenses", "update", "1", "--amount", "1", as_login="wang"), "No expense")
    ok(
        crm_cli(
            "expenses", "update", "1", "--amount", "280.50", "--customer", "改错公司", as_login="li"
        )
    )
    by_customer = json.loads(
        ok(
            crm_cli(
                "report",
                "run",
                "expenses",
                "-p",
                "by=customer",
                "--format",
                "json",
                as_login="boss",
            )
        )
    )
    assert [(r["customer"], r["amount"]) for r in by_customer] == [("改错公司", "280.50")]
    ok(crm_cli("expenses", "delete", "1", as_login="boss"))
    assert json.loads(ok(crm_cli("expenses", "list", "--format", "json", as_login="li"))) == []
    ok(
        crm_cli(
            "knowledge",
            "add",
            "报价技巧",
            "--category",
            "technique",
            "--body",
            "先问预算",
            as_login="li",
        )
    )
    refused(crm_cli("knowledge", "update", "1", "--title", "x", as_login="wang"), "may not change")
    ok(crm_cli("knowledge", "update", "1", "--body", "先问预算，再谈方案", as_login="li"))
    assert "再谈方案" in ok(crm_cli("knowledge", "show", "1", as_login="wang"))
    ok(crm_cli("knowledge", "delete", "1", as_login="boss"))
    refused(crm_cli("knowledge", "show", "1", as_login="li"), "no article")
    listed = json.loads(ok(crm_cli("trash", "list", "--format", "json", as_login="admin")))
    assert [t["entity"] for t in listed] == ["expenses", "knowledge"]
