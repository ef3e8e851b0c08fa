"""The pages of figures: the dashboard, the report list, each report with its filters, chart,
table and export, for each role, over what that person may see."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from crm_core.api.crm import Crm
from tests.server.conftest import SECRET_NAME, SECRET_PHONE, Company
from tests.server.test_pages import browser


def report_names(company: Company) -> list[str]:
    with Crm(company.deployment).as_user("admin") as desk:
        return [r.name for r in desk.reports.available()]


@pytest.mark.parametrize("login", ["admin", "boss", "li", "wang"])
def test_every_report_page_opens_for_every_role_and_shows_nothing_hidden(
    company: Company, login: str
) -> None:
    client = browser(company, login)
    listing = client.get("/reports")
    assert listing.status_code == 200
    names = report_names(company)
    assert names, "the deployment offers no report"
    for name in names:
        assert f'href="/reports/{name}"' in listing.text, name
        page = client.get(f"/reports/{name}")
        # A report that needs a filter first shows its form with what to fill in.
        assert page.status_code in {200, 422}, (name, page.text[:500])
        assert (page.status_code == 422) == ('class="reason"' in page.text), name
        assert f'action="/reports/{name}"' in page.text or not re.search(r"<label>", page.text)
        if login == "wang":
            assert SECRET_NAME not in page.text and SECRET_PHONE not in page.text, name


@pytest.mark.parametrize("login", ["admin", "boss", "li"])
def test_the_dashboard_draws_each_tile_of_the_role(company: Company, login: str) -> None:
    client = browser(company, login)
    page = client.get("/dashboard")
    assert page.status_code == 200
    tiles = re.findall(r'<section class="card tile">', page.text)
    assert tiles, "the dashboard shows no tile"
    assert page.text.count("<svg") <= len(tiles)
    for href in re.findall(r'<h2><a href="([^"]+)"', page.text):
        assert client.get(href.replace("&amp;", "&")).status_code == 200, href


def test_a_report_exports_to_xlsx_and_csv_with_the_page_filters(company: Company) -> None:
    client = browser(company, "boss")
    name = "new-customers-by-month"
    page = client.get(f"/reports/{name}")
    links = dict(re.findall(r'href="(/reports/[^"]+/export\.(\w+)\?[^"]*)"', page.text)[::1])
    exports = {fmt: href for href, fmt in links.items()}
    assert set(exports) == {"xlsx", "csv"}
    xlsx = client.get(exports["xlsx"].replace("&amp;", "&"))
    assert xlsx.status_code == 200
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert f'filename="{name}.xlsx"' in xlsx.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.max_row >= 1
    csv = client.get(exports["csv"].replace("&amp;", "&"))
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")


def test_a_bad_filter_is_refused_on_the_page_in_one_line(company: Company) -> None:
    client = browser(company, "boss")
    with Crm(company.deployment).as_user("admin") as desk:
        dated = [
            (r.name, p.name)
            for r in desk.reports.available()
            for p in r.params
            if p.name in {"since", "until", "on", "month"}
        ]
    assert dated, "no report takes a date"
    name, param = dated[0]
    page = client.get(f"/reports/{name}", params={param: "not-a-date"})
    assert 400 <= page.status_code < 500
    reason = re.search(r'<p class="reason" role="alert">([^<]+)</p>', page.text)
    assert reason and "\n" not in reason.group(1)
    export = client.get(f"/reports/{name}/export.xlsx", params={param: "not-a-date"})
    assert 400 <= export.status_code < 500


def test_a_report_that_does_not_exist_is_a_missing_page(company: Company) -> None:
    client = browser(company, "li")
    assert client.get("/reports/no-such-report").status_code == 404
    assert client.get("/reports/no-such-report/export.xlsx").status_code == 404
    assert client.get("/reports/new-customers-by-month/export.exe").status_code == 404


def test_report_pages_need_a_session(company: Company) -> None:
    client = company.client(None)
    for path in ("/dashboard", "/reports", f"/reports/{report_names(company)[0]}"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in")
