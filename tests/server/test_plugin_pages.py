"""Pages a plugin adds (`crm_register_pages`): served from the current plugin snapshot, listed
in the menu of the roles it names, with CSRF on every POST, uploads, the plugin's templates
extending the core's layout, and gone when the plugin is disabled."""

from __future__ import annotations

import pytest

from crm_core.contract.testing import disable_plugin, enable_plugins
from crm_core.foundation.errors import PluginError
from crm_core.hooks.pages import WEB_PAGES, WebPage
from tests.server.conftest import SECRET_NAME, Company
from tests.server.test_pages import browser, csrf_of

pytest.importorskip("crm_test_plugin.plugin")


def count_on(page: str) -> int:
    return int(page.split('<p id="count">')[1].split("<")[0])


def test_a_plugins_page_is_served_in_the_core_layout_and_listed_in_the_menu(
    company: Company,
) -> None:
    enable_plugins(company.deployment, "test_plugin")
    li = browser(company, "li")
    page = li.get("/notes")
    assert page.status_code == 200
    assert '<a href="/notes"' in li.get("/today").text  # in the menu of sales
    assert "<header" in page.text and "/static/app.css" in page.text
    assert count_on(page.text) == 0
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    admin = browser(company, "admin")
    assert '<a href="/notes"' not in admin.get("/today").text  # not in the admin's menu


def test_a_plugin_page_post_needs_the_csrf_token_and_writes_as_the_person(
    company: Company,
) -> None:
    enable_plugins(company.deployment, "test_plugin")
    li, wang = browser(company, "li"), browser(company, "wang")
    form = li.get("/notes")
    refused = li.post("/notes", data={"customer": SECRET_NAME, "text": "无令牌"})
    assert refused.status_code == 403
    added = li.post(
        "/notes",
        data={"csrf": csrf_of(form.text), "customer": SECRET_NAME, "text": "拜访纪要"},
        follow_redirects=False,
    )
    assert (added.status_code, added.headers["location"]) == (303, "/notes")
    assert count_on(li.get("/notes").text) == 1
    assert count_on(wang.get("/notes").text) == 0  # the same visibility as everywhere
    hidden = wang.post(
        "/notes",
        data={"csrf": csrf_of(wang.get("/notes").text), "customer": SECRET_NAME, "text": "x"},
    )
    assert hidden.status_code == 422 and 'role="alert"' in hidden.text
    assert count_on(li.get("/notes").text) == 1


def test_a_plugin_page_receives_an_uploaded_file(company: Company) -> None:
    enable_plugins(company.deployment, "test_plugin")
    li = browser(company, "li")
    form = li.get("/notes")
    sent = li.post(
        "/notes",
        data={"csrf": csrf_of(form.text), "customer": SECRET_NAME, "text": "附件"},
        files={"attachment": ("../../方案 v2.pdf", b"%PDF-1.4 " + b"x" * 1000, "application/pdf")},
    )
    assert sent.status_code == 200
    assert '<p id="upload">方案 v2.pdf 1009</p>' in sent.text


def test_disabling_the_plugin_takes_its_pages_and_menu_away(company: Company) -> None:
    enable_plugins(company.deployment, "test_plugin")
    li = browser(company, "li")
    assert li.get("/notes").status_code == 200
    disable_plugin(company.deployment, "test_plugin")
    gone = li.get("/notes", headers={"accept": "text/html"})
    assert gone.status_code == 404 and gone.headers["content-type"].startswith("text/html")
    assert '<a href="/notes"' not in li.get("/today").text
    program = li.get("/notes", headers={"accept": "application/json"})
    assert program.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        (WebPage("/customers/mine", "x", print), "is the core's"),
        (WebPage("/api/x", "x", print), "is the core's"),
        (WebPage("/Projects", "x", print), "lowercase words"),
        (WebPage("/x", "x", print, methods=("PUT",)), "methods are GET and POST"),
        (WebPage("/x/{id}", "x", print, menu=("sales",)), "takes no path parameter"),
    ],
)
def test_a_page_the_core_cannot_serve_is_refused_when_registered(
    page: WebPage, reason: str
) -> None:
    assert WEB_PAGES.check is not None
    with pytest.raises(PluginError, match=reason):
        WEB_PAGES.check(page, {})
