"""A salesperson on a 375-pixel phone, in a real browser (Debian's chromium through Playwright)
against a real `crm serve`: signs in and chooses a password, finds a customer as they type,
opens the 360 view, logs a visit in at most three taps, registers a customer and sees the
protection answer. Chinese first."""

from __future__ import annotations

import re
from typing import Any

import pytest

from crm_core.api.crm import Crm
from crm_core.api.interactions import InteractionQuery
from tests.server.conftest import FIRST, OWN, SECRET_NAME, SECRET_PHONE
from tests.web.conftest import Served

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def phone(browser: Any) -> Any:
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sign_in(page: Any, served: Served, login: str, password: str = OWN) -> None:
    page.goto(f"{served.base}/today")
    assert "/sign-in" in page.url
    page.get_by_label("登录名").fill(login)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").tap()


def assert_fits_the_phone(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide: it scrolls sideways"


def test_first_sign_in_asks_for_a_password_of_ones_own_then_opens_today(
    served: Served, phone: Any
) -> None:
    served.reset_password("zhao", FIRST, must_change=True)
    sign_in(phone, served, "zhao", FIRST)
    phone.wait_for_url(re.compile(r"/password$"))
    assert_fits_the_phone(phone)
    phone.get_by_label("当前密码").fill(FIRST)
    phone.get_by_label("新密码", exact=True).fill(OWN)
    phone.get_by_label("再次输入新密码").fill(OWN)
    phone.get_by_role("button", name="修改密码").tap()
    phone.wait_for_url(re.compile(r"/sign-in\?changed=1$"))
    sign_in(phone, served, "zhao")
    phone.wait_for_url(re.compile(r"/today$"))
    assert phone.get_by_role("heading", name=re.compile("今日")).is_visible()
    assert_fits_the_phone(phone)


def test_chinese_renders_in_a_cjk_font(served: Served, phone: Any) -> None:
    phone.goto(f"{served.base}/sign-in")
    # A glyph the fonts lack is drawn as a box of one width; real Chinese glyphs differ.
    widths = phone.evaluate(
        """() => {
            const c = document.createElement('canvas').getContext('2d');
            c.font = '32px sans-serif';
            return ['客', '户', '\\u{10FFFD}'].map(t => c.measureText(t).width);
        }"""
    )
    assert widths[0] > 16 and widths[0] != widths[2], widths
    assert phone.evaluate("document.documentElement.lang") == "zh-CN"


def test_search_as_you_type_then_open_the_360_view(served: Served, phone: Any) -> None:
    sign_in(phone, served, "li")
    phone.wait_for_url(re.compile(r"/today$"))
    phone.get_by_role("link", name="客户").first.tap()
    phone.wait_for_url(re.compile(r"/customers$"))
    phone.evaluate("window.stayed = true")  # gone if the page reloads
    box = phone.get_by_role("searchbox")
    box.press_sequentially(SECRET_PHONE[:6], delay=40)
    phone.wait_for_url(re.compile(r"q=" + SECRET_PHONE[:6]))
    rows = phone.locator("#rows li")
    rows.first.wait_for()
    assert rows.count() == 1 and SECRET_NAME in rows.first.inner_text()
    assert phone.evaluate("window.stayed") is True, "the search reloaded the page"
    assert_fits_the_phone(phone)
    box.fill("")
    box.press_sequentially("保密", delay=40)
    phone.wait_for_function("document.querySelectorAll('#rows li').length === 1")
    phone.get_by_role("link", name=SECRET_NAME).tap()
    phone.wait_for_url(re.compile(rf"/customers/{served.secret_id}$"))
    assert phone.get_by_role("heading", name=SECRET_NAME).is_visible()
    assert phone.get_by_role("link", name=re.compile(SECRET_PHONE)).is_visible()
    assert_fits_the_phone(phone)


def test_a_visit_is_logged_from_the_360_view_in_three_taps(served: Served, phone: Any) -> None:
    sign_in(phone, served, "li")
    phone.wait_for_url(re.compile(r"/today$"))
    phone.goto(f"{served.base}/customers/{served.secret_id}")
    taps = 0
    phone.get_by_role("link", name="记录拜访").tap()
    taps += 1
    phone.wait_for_url(re.compile(r"/log$"))
    assert_fits_the_phone(phone)
    phone.get_by_text("电话", exact=True).tap()  # the kind: a phone call instead of the visit
    taps += 1
    phone.get_by_role("button", name="保存").tap()
    taps += 1
    phone.wait_for_url(re.compile(rf"/customers/{served.secret_id}\?logged=1$"))
    assert taps <= 3
    assert phone.get_by_role("status").inner_text() == "已记录。"
    with Crm(served.deployment).as_user("li") as desk:
        found = desk.interactions.list(InteractionQuery(customer=served.secret_id))
    assert [i.kind for i in found.items][-1:] == ["call"]


def test_registering_a_customer_someone_holds_names_who(served: Served, phone: Any) -> None:
    sign_in(phone, served, "wang")
    phone.wait_for_url(re.compile(r"/today$"))
    phone.get_by_role("link", name="登记").tap()
    phone.wait_for_url(re.compile(r"/customers/new$"))
    assert_fits_the_phone(phone)
    phone.get_by_label("公司名称").fill(SECRET_NAME)
    phone.get_by_label("备注").fill("展会上认识的")
    phone.get_by_role("button", name="登记").last.tap()
    alert = phone.get_by_role("alert")
    alert.wait_for()
    assert "已由" in alert.inner_text() and "登记" in alert.inner_text()
    assert phone.get_by_label("备注").input_value() == "展会上认识的"


def test_english_is_one_tap_away_and_stays(served: Served, phone: Any) -> None:
    sign_in(phone, served, "wang")
    phone.wait_for_url(re.compile(r"/today$"))
    phone.get_by_role("button", name="English").tap()
    phone.get_by_role("heading", name=re.compile("Today")).wait_for()
    assert phone.url.endswith("/today")
    phone.goto(f"{served.base}/customers")
    assert phone.get_by_role("link", name="Register").is_visible()


def test_a_managers_dashboard_and_a_report_fit_the_phone(served: Served, phone: Any) -> None:
    served.reset_password("boss", OWN, must_change=False)
    sign_in(phone, served, "boss")
    phone.wait_for_url(re.compile(r"/today$"))
    phone.get_by_role("link", name="看板").tap()
    phone.wait_for_url(re.compile(r"/dashboard$"))
    tiles = phone.locator("section.tile")
    assert tiles.count() >= 1
    assert_fits_the_phone(phone)
    chart = phone.locator("figure.chart svg").first
    if chart.count():
        box = chart.bounding_box()
        assert box is not None and box["width"] <= PHONE["width"]
    tiles.first.get_by_role("link").first.tap()
    phone.wait_for_url(re.compile(r"/reports/"))
    assert phone.get_by_role("link", name="导出 XLSX").is_visible()
    assert_fits_the_phone(phone)
