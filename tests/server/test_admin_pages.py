"""An administrator's pages: people, first passwords, tokens shown once, plugins; refused to
everyone else by the core, whatever the page."""

from __future__ import annotations

import re

import pytest

from crm_core.api.crm import Crm
from tests.server.conftest import BLOCKS, Company
from tests.server.test_pages import browser, csrf_of


def shown_once(page: str, pattern: str) -> str:
    found = re.search(pattern, page)
    assert found, "the page does not show the secret"
    return found.group(1)


def test_an_admin_adds_a_person_who_signs_in_with_the_first_password_shown(
    company: Company,
) -> None:
    admin = browser(company, "admin")
    form = admin.get("/admin/users")
    assert "李明" in form.text and "王芳" in form.text
    added = admin.post(
        "/admin/users",
        data={
            "csrf": csrf_of(form.text),
            "login": "zhou",
            "name": "周新",
            "role": "sales",
            "team": "East",
        },
    )
    assert added.status_code == 200
    password = shown_once(added.text, r"shown this once: ([A-Za-z0-9_-]{16})")
    newcomer = company.client(None)
    signed = newcomer.post(
        "/sign-in", data={"login": "zhou", "password": password}, follow_redirects=False
    )
    assert signed.headers["location"] == "/password"
    again = admin.get("/admin/users")
    assert password not in again.text


def test_a_refused_addition_keeps_the_form_and_says_why(company: Company) -> None:
    admin = browser(company, "admin")
    form = admin.get("/admin/users")
    refused = admin.post(
        "/admin/users",
        data={"csrf": csrf_of(form.text), "login": "li", "name": "另一个李明", "role": "sales"},
    )
    assert 400 <= refused.status_code < 500
    assert 'role="alert"' in refused.text and 'value="另一个李明"' in refused.text


def test_deactivating_a_person_ends_their_session(company: Company) -> None:
    wang = browser(company, "wang")
    assert wang.get("/today", follow_redirects=False).status_code == 200
    admin = browser(company, "admin")
    page = admin.get("/admin/users/wang")
    saved = admin.post(
        "/admin/users/wang",
        data={
            "csrf": csrf_of(page.text),
            "name": "王芳",
            "role": "sales",
            "team": "West",
            "action": "save",
        },  # the "active" box unticked
        follow_redirects=False,
    )
    assert saved.headers["location"] == "/admin/users/wang?saved=1"
    with Crm(company.deployment).as_user("admin") as desk:
        assert desk.users.get("wang").active is False
    assert wang.get("/today", follow_redirects=False).status_code == 303


def test_a_token_is_shown_once_works_and_is_revoked(company: Company) -> None:
    admin = browser(company, "admin")
    page = admin.get("/admin/users/li")
    made = admin.post(
        "/admin/users/li",
        data={"csrf": csrf_of(page.text), "action": "token", "token_name": "ERP", "scope": "read"},
    )
    secret = shown_once(made.text, r"shown this once: (crm_[A-Za-z0-9_-]+)")
    program = company.bearer(secret)
    assert program.get("/api/v1/customers").status_code == 200
    listed = admin.get("/admin/users/li")
    assert secret not in listed.text
    token_id = shown_once(listed.text, r'value="revoke:(\d+)"')
    admin.post(
        "/admin/users/li",
        data={"csrf": csrf_of(listed.text), "action": f"revoke:{token_id}"},
    )
    assert program.get("/api/v1/customers").status_code == 401


@pytest.mark.parametrize("login", ["boss", "li"])
def test_admin_pages_are_refused_to_everyone_else(company: Company, login: str) -> None:
    client = browser(company, login)
    csrf = csrf_of(client.get("/today").text)
    for path in ("/admin/users", "/admin/users/wang", "/admin/plugins"):
        assert client.get(path).status_code == 403, path
    posts = [
        ("/admin/users", {"login": "x1", "name": "甲", "role": "admin"}),
        ("/admin/users/wang", {"action": "password"}),
        ("/admin/users/wang", {"action": "save", "role": "admin", "active": "1"}),
        ("/admin/plugins/customer_resources/disable", {}),
    ]
    for path, data in posts:
        assert client.post(path, data={"csrf": csrf, **data}).status_code == 403, path
    with Crm(company.deployment).as_user("admin") as desk:
        assert desk.users.get("wang").role == "sales"
        assert "x1" not in {p.login for p in desk.users.list()}


def test_an_admin_disables_and_enables_a_plugin_from_the_page(company: Company) -> None:
    if not BLOCKS:
        pytest.skip("no shipped plugin is installed")
    name = BLOCKS[-1]
    admin = browser(company, "admin")
    page = admin.get("/admin/plugins")
    assert f'action="/admin/plugins/{name}/disable"' in page.text
    done = admin.post(
        f"/admin/plugins/{name}/disable",
        data={"csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = admin.get("/admin/plugins")
    assert f'action="/admin/plugins/{name}/enable"' in page.text
    admin.post(f"/admin/plugins/{name}/enable", data={"csrf": csrf_of(page.text)})
    with Crm(company.deployment) as crm:
        assert {p.name: p.enabled for p in crm.plugins.list()}[name] is True
    assert (
        admin.post(f"/admin/plugins/{name}/explode", data={"csrf": csrf_of(page.text)}).status_code
        == 404
    )


def test_an_admin_adds_relabels_and_retires_a_picklist_value(company: Company) -> None:
    admin = browser(company, "admin")
    listing = admin.get("/admin/picklists")
    assert 'href="/admin/picklists/industry"' in listing.text
    page = admin.get("/admin/picklists/industry")
    csrf = csrf_of(page.text)
    added = admin.post(
        "/admin/picklists/industry",
        data={"csrf": csrf, "action": "add", "code": "会展", "label": "Exhibitions"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    admin.post(
        "/admin/picklists/industry",
        data={
            "csrf": csrf,
            "action": "relabel",
            "code": "会展",
            "label": "Events",
            "label_zh": "会展服务",
        },
    )
    with Crm(company.deployment).as_user("admin") as desk:
        found = {c.code: c for c in desk.picklists.values("industry", retired=True)}
    assert found["会展"].label == "Events" and found["会展"].label_zh == "会展服务"
    admin.post("/admin/picklists/industry", data={"csrf": csrf, "action": "retire", "code": "会展"})
    with Crm(company.deployment).as_user("admin") as desk:
        assert "会展" not in {c.code for c in desk.picklists.choices("industry")}
    admin.post("/admin/picklists/industry", data={"csrf": csrf, "action": "add", "code": "新能源"})
    again = admin.post(
        "/admin/picklists/industry",
        data={"csrf": csrf, "action": "add", "code": "新能源", "label": "x"},
    )
    assert 400 <= again.status_code < 500 and 'role="alert"' in again.text


def test_a_custom_field_defined_on_the_page_appears_on_the_registration_form(
    company: Company,
) -> None:
    admin = browser(company, "admin")
    page = admin.get("/admin/fields")
    assert page.status_code == 200
    defined = admin.post(
        "/admin/fields",
        data={
            "csrf": csrf_of(page.text),
            "action": "define",
            "entity": "customers",
            "name": "source",
            "type": "choice",
            "choices": "展会, 官网",
            "label": "Source",
            "label_zh": "来源渠道",
        },
        follow_redirects=False,
    )
    assert defined.status_code == 303, defined.text[:300]
    li = browser(company, "li")
    form = li.get("/customers/new")
    assert 'name="custom.source"' in form.text and "展会" in form.text
    made = li.post(
        "/customers/new",
        data={
            "csrf": csrf_of(form.text),
            "name": "自定义字段测试有限公司",
            "custom.source": "展会",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    shown = li.get(made.headers["location"]).text
    assert "展会" in shown
    wrong = li.post(
        "/customers/new",
        data={"csrf": csrf_of(form.text), "name": "另一家测试有限公司", "custom.source": "地推"},
    )
    assert 400 <= wrong.status_code < 500 and "地推" in wrong.text


@pytest.mark.parametrize("path", ["/admin/picklists", "/admin/picklists/industry", "/admin/fields"])
def test_configuration_pages_are_for_administrators(company: Company, path: str) -> None:
    boss = browser(company, "boss")
    assert boss.get(path).status_code == 403
    csrf = csrf_of(boss.get("/today").text)
    if path != "/admin/picklists":
        answer = boss.post(
            path,
            data={
                "csrf": csrf,
                "action": "add" if "picklists" in path else "define",
                "code": "x",
                "entity": "customers",
                "name": "x",
                "type": "text",
            },
        )
        assert answer.status_code == 403
