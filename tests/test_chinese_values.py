"""Kinds, levels and reminder texts in Chinese: typed in either language, shown in the reader's,
with JSON and CSV keeping the codes that scripts rely on."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

from crm_core.contract.testing import CliResult, enable_plugins
from crm_core.kernel.deployment import Deployment
from tests.conftest import needs_the_three_blocks

pytestmark = needs_the_three_blocks

Cli = Callable[..., CliResult]


def ok(result: CliResult) -> str:
    assert result.exit_code == 0, result.stderr
    return result.output


@pytest.fixture
def company(crm_deployment: Deployment, crm_cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:
    enable_plugins(crm_deployment, "customer_resources", "project_sales", "channel_commerce")
    ok(crm_cli("teams", "add", "华东区", as_login="admin"))
    ok(crm_cli("users", "add", "li", "--name", "李明", "--team", "华东区", as_login="admin"))
    ok(crm_cli("products", "add", "JS-100", "--name", "净水器", "--price", "100", as_login="admin"))
    monkeypatch.setenv("CRM_LANG", "zh")
    return crm_cli


def test_kinds_and_levels_are_typed_in_chinese_and_stored_as_codes(company: Cli) -> None:
    ok(
        company(
            "customers",
            "add",
            "中文供应商",
            "--kind",
            "供应商",
            "--level",
            "意向客户",
            as_login="li",
        )
    )
    ok(company("customers", "add", "英文代码客户", "--kind", "customer", as_login="li"))
    ok(company("customers", "level", "英文代码客户", "已联系", as_login="li"))
    rows = json.loads(ok(company("customers", "list", "--format", "json", as_login="li")))
    assert {r["name"]: (r["kind"], r["level"]) for r in rows} == {
        "中文供应商": ("supplier", "qualified"),
        "英文代码客户": ("customer", "contacted"),
    }
    table = ok(company("customers", "list", as_login="li"))
    assert "供应商" in table and "意向客户" in table and "已联系" in table
    assert "supplier" not in table and "qualified" not in table
    found = json.loads(
        ok(company("customers", "list", "--level", "意向客户", "--format", "json", as_login="li"))
    )
    assert [r["name"] for r in found] == ["中文供应商"]
    refused = company("customers", "add", "坏类型", "--kind", "经销", as_login="li")
    assert refused.exit_code == 1 and "customer_kind" in refused.stderr
    refused = company("customers", "level", "中文供应商", "潜在客户", as_login="li")
    assert refused.exit_code == 1 and "customer_level" in refused.stderr


def test_an_import_accepts_chinese_levels(company: Cli, tmp_path: Path) -> None:
    sheet = tmp_path / "名单.csv"
    sheet.write_text("客户名称,客户类型,客户级别\n导入甲,合作伙伴,意向客户\n", encoding="utf-8")
    ok(company("import", "customers", str(sheet), as_login="li"))
    rows = json.loads(ok(company("customers", "list", "--format", "json", as_login="li")))
    assert [(r["kind"], r["level"]) for r in rows] == [("partner", "qualified")]


def test_reminders_read_in_chinese_and_keep_codes_in_json(company: Cli, tmp_path: Path) -> None:
    ok(company("customers", "add", "欠款客户", as_login="li"))
    ordered = (date.today() - timedelta(days=45)).isoformat()
    ok(company("orders", "add", "欠款客户", "--line", "JS-100:1", "--date", ordered, as_login="li"))
    week = (date.today() + timedelta(days=7)).isoformat()
    table = ok(company("reminders", "--all", "--date", week, as_login="li"))
    assert "催款" in table and "未付" in table and "dunning" not in table
    items = json.loads(
        ok(company("reminders", "--all", "--date", week, "--format", "json", as_login="li"))
    )
    assert "dunning" in {item["kind"] for item in items}
    page = tmp_path / "看板.html"
    ok(company("dashboard", str(page), "--date", week, as_login="li"))
    html = page.read_text(encoding="utf-8")
    assert "催款" in html and ">dunning<" not in html


def test_the_kind_and_level_picklists_are_fixed_but_relabelled(company: Cli) -> None:
    refused = company(
        "picklists", "add", "customer_level", "vip", "--label-zh", "贵宾", as_login="admin"
    )
    assert refused.exit_code == 1 and "固定" in refused.stderr
    refused = company("picklists", "retire", "customer_kind", "agent", as_login="admin")
    assert refused.exit_code == 1
    values = json.loads(
        ok(company("picklists", "list", "customer_level", "--format", "json", as_login="admin"))
    )
    assert [v["code"] for v in values] == ["lead", "contacted", "qualified", "signed", "blacklist"]


def test_help_lists_the_enabled_blocks_commands(company: Cli) -> None:
    listed = ok(company("--help"))
    assert all(name in listed for name in ("orders", "projects", "dealer-orders", "trash"))
