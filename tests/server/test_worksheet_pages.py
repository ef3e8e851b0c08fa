"""A salesperson downloads their worksheet from the web, fills in a visit, uploads it back."""

from __future__ import annotations

import io
from datetime import date

import openpyxl

from crm_core.api.crm import Crm
from crm_core.api.interactions import InteractionQuery
from tests.server.conftest import SECRET_NAME, Company
from tests.server.test_pages import browser, csrf_of


def test_a_worksheet_goes_down_as_xlsx_and_comes_back_as_visits(company: Company) -> None:
    li = browser(company, "li")
    page = li.get("/worksheet")
    assert page.status_code == 200
    assert li.post("/worksheet/download", data={}).status_code == 403  # no CSRF token
    sheet = li.post("/worksheet/download", data={"csrf": csrf_of(page.text)})
    assert sheet.status_code == 200
    assert sheet.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(sheet.content))
    rows = book.active
    assert rows is not None
    headers = [c.value for c in rows[1]]
    found = [r for r in rows.iter_rows(min_row=2) if r[headers.index("客户名称 Customer")].value]
    assert [r[headers.index("客户名称 Customer")].value for r in found] == [SECRET_NAME]
    line = found[0]
    line[headers.index("联系日期 Date")].value = date.today()
    line[headers.index("方式 Kind")].value = "拜访"
    line[headers.index("内容 Notes")].value = "表格里记的拜访"
    filled = io.BytesIO()
    book.save(filled)
    sent = li.post(
        "/worksheet",
        data={"csrf": csrf_of(page.text)},
        files={"file": ("li.xlsx", filled.getvalue(), "application/octet-stream")},
    )
    assert sent.status_code == 200, sent.text[:400]
    assert "1 interactions logged" in sent.text
    with Crm(company.deployment).as_user("li") as desk:
        logged = desk.interactions.list(InteractionQuery(customer=company.secret_customer_id))
    assert [i.notes for i in logged.items] == ["表格里记的拜访"]
    again = li.post(
        "/worksheet",
        data={"csrf": csrf_of(page.text)},
        files={"file": ("li.xlsx", filled.getvalue(), "application/octet-stream")},
    )
    assert "0 interactions logged" in again.text  # collected before: nothing twice


def test_a_file_that_is_not_a_worksheet_is_refused_in_one_line(company: Company) -> None:
    li = browser(company, "li")
    page = li.get("/worksheet")
    refused = li.post(
        "/worksheet",
        data={"csrf": csrf_of(page.text)},
        files={"file": ("x.xlsx", b"not a workbook", "application/octet-stream")},
    )
    assert 400 <= refused.status_code < 500
    assert 'role="alert"' in refused.text
