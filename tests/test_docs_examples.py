"""The Python examples of the docs run as printed, on a deployment with the three blocks that has
what each example assumes (its users, its files), in the example's own working folder."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook

from crm_core.api import Crm, NewField, NewUser
from crm_core.contract.testing import enable_plugins
from tests.conftest import needs_the_three_blocks

pytestmark = needs_the_three_blocks

DOCS = Path(__file__).resolve().parents[1] / "docs"
Setup = Callable[[Crm, Path], None]


def python_blocks(page: str) -> list[str]:
    text = (DOCS / page).read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def people(crm: Crm, _folder: Path) -> None:
    with crm.as_user("admin", write=True) as admin:
        admin.teams.add("华东区")
        admin.users.add(NewUser("sun", "孙经理", "manager", "华东区"))
        admin.users.add(NewUser("li", "李明", "sales", "华东区"))
        admin.users.add(NewUser("south_sales", "华南业务员", "sales", "华东区"))


def budget(crm: Crm, folder: Path) -> None:
    people(crm, folder)
    with crm.as_user("admin", write=True) as admin:
        admin.fields.define(NewField("customers", "budget", "decimal", label_zh="预算"))


def spreadsheets(crm: Crm, folder: Path) -> None:
    people(crm, folder)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["客户名称", "地区"])
    sheet.append(["名单里的公司", "华南"])
    book.save(folder / "名单.xlsx")
    (folder / "百万.csv").write_text("客户名称\n百万名单公司\n", encoding="utf-8")


EXAMPLES: list[tuple[str, int, Setup]] = [
    ("api.md", 0, budget),
    ("zh/api.md", 0, budget),
    ("api.md", 2, spreadsheets),
    ("zh/api.md", 1, spreadsheets),
    ("customization.md", 0, spreadsheets),
]


@pytest.mark.parametrize(
    ("page", "number", "setup"), EXAMPLES, ids=[f"{p}#{n}" for p, n, _ in EXAMPLES]
)
def test_the_example_runs_as_printed(
    page: str,
    number: int,
    setup: Setup,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    crm_catalog: object,
) -> None:
    monkeypatch.chdir(tmp_path)
    url = "sqlite:///crm.db"
    monkeypatch.setenv("CRM_DATABASE_URL", url)
    crm = Crm.create(url)
    enable_plugins(crm.deployment, "customer_resources", "project_sales", "channel_commerce")
    setup(crm, tmp_path)
    crm.close()
    code = python_blocks(page)[number]
    exec(compile(code, f"docs/{page}#{number}", "exec"), {"__name__": "docs_example"})
    assert os.path.exists(tmp_path / "crm.db")


def test_every_entity_a_plugin_registers_exports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`desk.files.export_file` covers plugin entities by name, as docs/api.md says, each over
    what the user may see."""
    monkeypatch.chdir(tmp_path)
    crm = Crm.create("sqlite:///crm.db")
    enable_plugins(crm.deployment, "customer_resources", "project_sales", "channel_commerce")
    people(crm, tmp_path)
    from crm_core.api import NewCustomer, NewProduct

    with crm.as_user("admin", write=True) as admin:
        admin.products.add(NewProduct("JS-100", "净水器", price="5000"))
    with crm.as_user("li", write=True) as li:
        li.customers.create(NewCustomer("导出测试公司"))
        li.orders.create("导出测试公司", ["JS-100:2"])
        li.cases.open("导出测试公司", "complaint", "安装延误")
    with crm.as_user("admin") as admin:
        entities = [e.entity for e in admin.fields.entities()]
    for entity in entities:
        for login, rows in (("li", None), ("south_sales", 0)):
            with crm.as_user(login) as desk:
                result = desk.files.export_file(entity, tmp_path / f"{entity}-{login}.xlsx")
            if rows is not None and entity in ("orders", "cases"):
                assert result.rows == rows, (entity, login)
    with crm.as_user("li") as li:
        result = li.files.export_file("orders", tmp_path / "orders.csv")
    lines = (tmp_path / "orders.csv").read_text(encoding="utf-8-sig").splitlines()
    assert result.rows == 1 and "导出测试公司" in lines[1] and "10000.00" in lines[1]
