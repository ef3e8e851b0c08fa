"""Spreadsheet import/export: Chinese headers, encodings, all-or-nothing, round trips."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from crm_core.features.imports import service as importing
from crm_core.features.imports.service import ImportRejected
from crm_core.foundation.errors import ValidationError
from crm_core.hooks.actor import SYSTEM
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import AuditEntry, Contact, Customer, OwnershipPeriod, Product
from crm_core.services import customers, users


def xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def count(deployment: Deployment, model: type) -> int:
    with deployment.work(SYSTEM) as ctx:
        return int(ctx.session.scalar(select(func.count()).select_from(model)) or 0)


def test_xlsx_with_chinese_headers(crm_deployment: Deployment, tmp_path: Path) -> None:
    with crm_deployment.work("admin", write=True) as ctx:
        users.add(ctx, "liu", "刘洋")
    path = xlsx(
        tmp_path / "客户.xlsx",
        [
            ["客户名称", "类型", "行业", "地区", "电话", "负责人"],
            ["苏州精工机械有限公司", "客户", "制造业", "江苏", 13912345678, "liu"],
            ["无锡华东代理", "代理商", "批发", "江苏", None, None],
        ],
    )
    with crm_deployment.work("admin", write=True) as ctx:
        result = importing.import_file(ctx, "customers", path)
    assert (result.rows, result.written) == (2, 2)
    with crm_deployment.work("admin") as ctx:
        rows = {
            c.name: (c.kind, c.phone, o)
            for c, o in customers.list_page(ctx, customers.CustomerFilter())
        }
    assert rows == {
        "苏州精工机械有限公司": ("customer", "13912345678", "liu"),
        "无锡华东代理": ("agent", None, "admin"),
    }
    assert count(crm_deployment, OwnershipPeriod) == 2
    with crm_deployment.work(SYSTEM) as ctx:
        assert (
            ctx.session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "import")
            )
            == 2
        )


def test_gb18030_csv_as_saved_by_chinese_excel(crm_deployment: Deployment, tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    path.write_bytes("产品编码,产品名称,单价\nP-1,净水器,1999.50\nP-2,滤芯,89\n".encode("gb18030"))
    with crm_deployment.work("admin", write=True) as ctx:
        importing.import_file(ctx, "products", path)
    with crm_deployment.work("admin") as ctx:
        prices = dict(ctx.session.execute(select(Product.name, Product.price)).all())
    assert prices == {"净水器": Decimal("1999.50"), "滤芯": Decimal("89.00")}


def test_all_or_nothing_writes_nothing_and_names_rows(
    crm_deployment: Deployment, tmp_path: Path
) -> None:
    with crm_deployment.work("admin", write=True) as ctx:
        customers.create(ctx, {"name": "已存在公司"})
    path = xlsx(
        tmp_path / "bad.xlsx",
        [
            ["name", "kind", "phone"],
            ["好公司一", "customer", "13800000001"],
            ["", "customer", None],
            ["已存在公司", None, None],
            ["好公司二", "alien", None],
            ["好公司一", None, None],
        ],
    )
    options = importing.ImportOptions(all_or_nothing=True)
    with pytest.raises(ImportRejected) as caught, crm_deployment.work("admin", write=True) as ctx:
        importing.import_file(ctx, "customers", path, options)
    message = str(caught.value)
    assert "Nothing written: 4 rows have errors" in message
    for row in ("row 3", "row 4", "row 5", "row 6"):
        assert row in message
    assert count(crm_deployment, Customer) == 1
    assert caught.value.error_file is not None and caught.value.error_file.exists()


def test_unknown_entity_missing_file_and_missing_columns(
    crm_deployment: Deployment, tmp_path: Path
) -> None:
    with crm_deployment.work("admin", write=True) as ctx:
        with pytest.raises(ValidationError, match="Missing required column"):
            importing.import_file(ctx, "contacts", xlsx(tmp_path / "b.xlsx", [["name"], ["张三"]]))
        with pytest.raises(ValidationError, match="known: contacts, customers"):
            importing.import_file(ctx, "widgets", tmp_path / "a.xlsx")
        with pytest.raises(ValidationError, match="no file"):
            importing.import_file(ctx, "customers", tmp_path / "missing.xlsx")
    assert count(crm_deployment, Customer) == 0


def test_contacts_import_needs_visible_customers(
    crm_deployment: Deployment, tmp_path: Path
) -> None:
    with crm_deployment.work("admin", write=True) as ctx:
        users.add(ctx, "a", "A")
        users.add(ctx, "b", "B")
    with crm_deployment.work("a", write=True) as ctx:
        customers.create(ctx, {"name": "甲公司"})
    path = xlsx(tmp_path / "c.xlsx", [["客户名称", "姓名", "职位"], ["甲公司", "王五", "采购经理"]])
    with crm_deployment.work("b", write=True) as ctx:
        hidden = importing.import_file(
            ctx, "contacts", path, importing.ImportOptions(error_file=tmp_path / "b.errors.xlsx")
        )
    # B cannot see 甲公司: the answer is the one for a customer that does not exist.
    assert (hidden.inserted, hidden.rejected) == (0, 1)
    assert count(crm_deployment, Contact) == 0
    with crm_deployment.work("a", write=True) as ctx:
        assert importing.import_file(ctx, "contacts", path).inserted == 1
    assert count(crm_deployment, Contact) == 1


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_then_import_round_trips(
    crm_deployment: Deployment, tmp_path: Path, suffix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_LANG", "zh")  # Chinese headers on the way out must be read back
    with crm_deployment.work("admin", write=True) as ctx:
        for i in range(5):
            customers.create(
                ctx, {"name": f"往返公司{i}", "industry": "零售", "phone": f"1380000000{i}"}
            )
        out = tmp_path / f"export{suffix}"
        assert importing.export_file(ctx, "customers", out) == 5
    fresh = tmp_path / "fresh.db"
    other = Deployment(f"sqlite:///{fresh}", crm_deployment.catalog)
    try:
        from crm_core.kernel import lifecycle

        lifecycle.initialise(other)
        with other.work("admin", write=True) as ctx:
            assert importing.import_file(ctx, "customers", out).written == 5
        with other.work("admin") as ctx:
            names = sorted(c.name for c, _ in customers.list_page(ctx, customers.CustomerFilter()))
        assert names == [f"往返公司{i}" for i in range(5)]
    finally:
        other.dispose()


def test_dry_run_rolls_back(crm_cli, tmp_path: Path, crm_deployment: Deployment) -> None:
    path = xlsx(tmp_path / "dry.xlsx", [["name"], ["试运行公司"]])
    result = crm_cli("import", "customers", str(path), "--dry-run")
    assert result.exit_code == 0 and "nothing written" in result.output
    assert count(crm_deployment, Customer) == 0


def test_contacts_an_import_creates_are_audited_like_those_added_by_hand(
    crm_cli: Any, tmp_path: Path
) -> None:
    sheet = tmp_path / "list.csv"
    sheet.write_text("客户名称,联系人,职位\n甲公司,王总,总经理\n乙公司,,\n", encoding="utf-8")
    assert crm_cli("import", "customers", str(sheet)).exit_code == 0
    logged = crm_cli("audit", "--entity", "crm_contact", "--format", "json").json()
    assert [(e["action"], "王总" in (e["new"] or "")) for e in logged] == [("import", True)]
