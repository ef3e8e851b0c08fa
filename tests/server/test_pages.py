"""The web pages, through the application: signing in and the forced password change, Today,
customer search, registration with the protection answer, the 360 view, logging a visit; who
may see what (the same rule as every other path), CSRF, escaping, redirects and headers."""

from __future__ import annotations

import re
from typing import Any

import pytest

from crm_core.api.crm import Crm
from crm_core.api.customers import CustomerQuery, NewCustomer
from crm_core.api.interactions import InteractionQuery
from tests.server.conftest import FIRST, OWN, SECRET_NAME, SECRET_NOTE, SECRET_PHONE, Company

HTML = {"accept": "text/html"}


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def browser(company: Company, login: str, *, language: str = "en") -> Any:
    """A browser signed in to the pages as `login`, its own password chosen."""
    client = company.client(None, language=language)
    signed = client.post(
        "/sign-in",
        data={"login": login, "password": FIRST, "next": "/customers"},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text
    assert signed.headers["location"] == "/password"
    form = client.get("/password")
    changed = client.post(
        "/password",
        data={"csrf": csrf_of(form.text), "current": FIRST, "new": OWN, "again": OWN},
        follow_redirects=False,
    )
    assert changed.headers["location"] == "/sign-in?changed=1"
    again = client.post(
        "/sign-in",
        data={"login": login, "password": OWN, "next": "/customers"},
        follow_redirects=False,
    )
    assert again.headers["location"] == "/customers"
    return client


def test_a_page_without_a_session_sends_the_browser_to_sign_in_and_back(
    company: Company,
) -> None:
    client = company.client(None)
    answer = client.get("/customers?q=%E4%BF%9D", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=%2Fcustomers%3Fq%3D%25E4%25BF%259D"
    form = client.get(answer.headers["location"])
    assert 'name="next" value="/customers?q=%E4%BF%9D"' in form.text


def test_until_the_first_password_is_changed_every_page_leads_to_the_password_form(
    company: Company,
) -> None:
    client = company.client(None)
    client.post("/sign-in", data={"login": "li", "password": FIRST}, follow_redirects=False)
    for path in ("/today", "/customers", f"/customers/{company.secret_customer_id}"):
        answer = client.get(path, follow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (303, "/password"), path
    form = client.get("/password")
    refused = client.post(
        "/password",
        data={"csrf": csrf_of(form.text), "current": FIRST, "new": "short", "again": "short"},
    )
    assert refused.status_code == 422
    assert 'role="alert"' in refused.text
    differ = client.post(
        "/password",
        data={"csrf": csrf_of(form.text), "current": FIRST, "new": OWN, "again": OWN + "x"},
    )
    assert "The two new passwords differ." in differ.text


def test_a_wrong_password_is_refused_on_the_form_with_the_login_kept(company: Company) -> None:
    client = company.client(None)
    answer = client.post("/sign-in", data={"login": "li", "password": "wrong-one-123"})
    assert answer.status_code == 401
    assert 'value="li"' in answer.text
    assert 'role="alert"' in answer.text
    assert "crm_session" not in answer.cookies


def test_sign_in_never_redirects_to_another_site(company: Company) -> None:
    for target in ("//evil.example/x", "https://evil.example", "/\\evil.example", "javascript:1"):
        client = company.client(None)
        client.post("/sign-in", data={"login": "wang", "password": FIRST})
        client.post(
            "/password",
            data={
                "csrf": csrf_of(client.get("/password").text),
                "current": FIRST,
                "new": OWN,
                "again": OWN,
            },
        )
        answer = client.post(
            "/sign-in",
            data={"login": "wang", "password": OWN, "next": target},
            follow_redirects=False,
        )
        assert answer.headers["location"] == "/today", target
        # the next round signs in with the first password again
        with Crm(company.deployment).as_user("admin", write=True) as desk:
            desk.users.set_password("wang", FIRST)


def test_customers_are_listed_and_found_as_the_salesperson_may_see_them(company: Company) -> None:
    li, wang = browser(company, "li"), browser(company, "wang")
    mine = li.get("/customers")
    assert SECRET_NAME in mine.text and SECRET_PHONE in mine.text
    theirs = wang.get("/customers")
    assert SECRET_NAME not in theirs.text and SECRET_PHONE not in theirs.text
    assert "西部乙贸易有限公司" in theirs.text
    found = li.get("/customers", params={"q": "保密"})
    assert SECRET_NAME in found.text
    assert SECRET_NAME not in wang.get("/customers", params={"q": "保密"}).text
    by_phone = li.get("/customers", params={"q": SECRET_PHONE[:5]})
    assert SECRET_NAME in by_phone.text
    by_initials = li.get("/customers", params={"q": "bmj"})  # 保密甲
    assert SECRET_NAME in by_initials.text
    assert SECRET_NAME not in wang.get("/customers", params={"q": "bmj"}).text


def test_search_as_you_type_answers_with_the_rows_alone(company: Company) -> None:
    li = browser(company, "li")
    fragment = li.get("/customers", params={"q": "保密"}, headers={"hx-request": "true"})
    assert SECRET_NAME in fragment.text
    assert "<html" not in fragment.text and "<form" not in fragment.text


def test_the_list_pages_by_keyset_with_a_more_link(company: Company) -> None:
    with Crm(company.deployment).as_user("li", write=True) as desk:
        for n in range(45):
            desk.customers.create(NewCustomer(f"翻页测试{n:02d}有限公司", phone=f"1360000{n:04d}"))
    li = browser(company, "li")
    first = li.get("/customers", params={"q": "翻页测试"})
    assert len(re.findall(r"翻页测试\d\d有限公司", first.text)) == 30
    more = re.search(r'href="(/customers\?q=[^"]*after=\d+)"', first.text)
    assert more, "no link to the next page"
    second = li.get(more.group(1).replace("&amp;", "&"), headers={"hx-request": "true"})
    rest = re.findall(r"翻页测试\d\d有限公司", second.text)
    assert len(rest) == 15
    assert len(set(re.findall(r"翻页测试\d\d有限公司", first.text)) | set(rest)) == 45
    assert "after=" not in second.text  # the last page offers no more


def test_registering_shows_the_protection_answer_and_keeps_what_was_typed(
    company: Company,
) -> None:
    wang = browser(company, "wang")
    form = wang.get("/customers/new")
    answer = wang.post(
        "/customers/new",
        data={"csrf": csrf_of(form.text), "name": SECRET_NAME, "notes": "我的笔记"},
    )
    assert answer.status_code == 409
    assert "already registered by" in answer.text
    assert "我的笔记" in answer.text and f'value="{SECRET_NAME}"' in answer.text
    made = wang.post(
        "/customers/new",
        data={"csrf": csrf_of(form.text), "name": "西部丙科技有限公司", "phone": "13700000009"},
        follow_redirects=False,
    )
    assert made.status_code == 303
    page = wang.get(made.headers["location"])
    assert "西部丙科技有限公司" in page.text
    assert "Registered" in page.text


def test_the_360_view_of_a_customer_one_may_not_see_is_a_missing_page(company: Company) -> None:
    li, wang = browser(company, "li"), browser(company, "wang")
    mine = li.get(f"/customers/{company.secret_customer_id}")
    assert mine.status_code == 200
    assert SECRET_NAME in mine.text and SECRET_NOTE in mine.text
    hidden = wang.get(f"/customers/{company.secret_customer_id}")
    missing = wang.get("/customers/987654321")
    assert hidden.status_code == missing.status_code == 404
    assert SECRET_NAME not in hidden.text and SECRET_NOTE not in hidden.text
    shape = re.compile(r"\d+")
    assert shape.sub("N", hidden.text) == shape.sub("N", missing.text)
    assert wang.get(f"/customers/{company.secret_customer_id}/log").status_code == 404


def test_logging_a_visit_takes_the_kind_and_lands_on_the_timeline(company: Company) -> None:
    li = browser(company, "li")
    form = li.get(f"/customers/{company.secret_customer_id}/log")
    assert 'type="radio" name="kind" value="visit" checked' in form.text
    logged = li.post(
        f"/customers/{company.secret_customer_id}/log",
        data={
            "csrf": csrf_of(form.text),
            "kind": "visit",
            "notes": "谈了报价",
            "next": "2027-01-05",
        },
        follow_redirects=False,
    )
    assert logged.status_code == 303
    page = li.get(logged.headers["location"])
    assert "谈了报价" in page.text and "2027-01-05" in page.text
    with Crm(company.deployment).as_user("li") as desk:
        found = desk.interactions.list(InteractionQuery(customer=company.secret_customer_id))
    assert [(i.kind, i.notes) for i in found.items] == [("visit", "谈了报价")]


def test_a_refused_log_keeps_the_notes_and_writes_nothing(company: Company) -> None:
    li = browser(company, "li")
    form = li.get(f"/customers/{company.secret_customer_id}/log")
    refused = li.post(
        f"/customers/{company.secret_customer_id}/log",
        data={"csrf": csrf_of(form.text), "kind": "carrier-pigeon", "notes": "留着这段话"},
    )
    assert refused.status_code in {400, 422}
    assert "留着这段话" in refused.text and 'role="alert"' in refused.text
    with Crm(company.deployment).as_user("li") as desk:
        found = desk.interactions.list(InteractionQuery(customer=company.secret_customer_id))
    assert list(found.items) == []


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/customers/new", {"name": "跨站请求有限公司"}),
        ("/customers/{id}/log", {"kind": "visit", "notes": "跨站"}),
        ("/password", {"current": OWN, "new": "Another-Secret-88", "again": "Another-Secret-88"}),
        ("/sign-out", {}),
    ],
)
def test_a_form_without_the_session_csrf_token_changes_nothing(
    company: Company, path: str, data: dict[str, str]
) -> None:
    li = browser(company, "li")
    target = path.format(id=company.secret_customer_id)
    for token in (None, "forged-token"):
        sent = dict(data) if token is None else {**data, "csrf": token}
        answer = li.post(target, data=sent, follow_redirects=False)
        assert answer.status_code == 403, (target, token)
    with Crm(company.deployment).as_user("li") as desk:
        assert list(desk.customers.list(CustomerQuery(search="跨站请求")).items) == []
        logged = desk.interactions.list(InteractionQuery(customer=company.secret_customer_id))
        assert list(logged.items) == []
    assert li.get("/today", follow_redirects=False).status_code == 200  # still signed in


def test_what_people_typed_is_shown_as_text_never_run(company: Company) -> None:
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    with Crm(company.deployment).as_user("li", write=True) as desk:
        made = desk.customers.create(NewCustomer(f"{payload}有限公司", notes=payload))
    li = browser(company, "li")
    for path in ("/customers", f"/customers/{made.id}", f"/customers/{made.id}/log"):
        page = li.get(path).text
        assert "<script>alert" not in page and "<img src=x" not in page, path
        assert "&lt;script&gt;" in page, path


def test_pages_carry_headers_that_keep_them_private_and_unframed(company: Company) -> None:
    li = browser(company, "li")
    answer = li.get("/today")
    assert answer.headers["cache-control"] == "no-store"
    policy = answer.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"


def test_an_api_token_does_not_open_pages(company: Company) -> None:
    client = company.bearer(company.token("li"))
    assert client.get("/customers").status_code == 403


def test_chinese_is_the_default_and_english_is_a_choice_kept_in_a_cookie(
    company: Company,
) -> None:
    client = company.client(None, language="zh-CN,zh;q=0.9")
    assert "登录" in client.get("/sign-in").text
    chosen = client.post(
        "/language", data={"language": "en", "next": "/sign-in"}, follow_redirects=False
    )
    assert chosen.headers["location"] == "/sign-in"
    assert "Sign in" in client.get("/sign-in").text
    client.post("/language", data={"language": "zh", "next": "/sign-in"})
    assert "登录" in client.get("/sign-in").text


def test_a_browser_asking_for_a_page_that_does_not_exist_gets_a_page(company: Company) -> None:
    client = company.client(None)
    page = client.get("/no-such-page", headers=HTML)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    api = client.get("/api/v1/no-such-thing")
    assert api.headers["content-type"].startswith("application/problem+json")


def test_the_vendored_script_and_the_style_are_served_from_this_site(company: Company) -> None:
    client = company.client(None)
    style = client.get("/static/app.css")
    assert style.status_code == 200 and "text/css" in style.headers["content-type"]
    page = client.get("/sign-in").text
    if "/static/vendor/htmx.min.js" in page:
        script = client.get("/static/vendor/htmx.min.js")
        assert script.status_code == 200 and "htmx" in script.text[:2000]
    assert client.get("/static/../pyproject.toml").status_code == 404


def test_today_offers_a_log_for_each_follow_up_due(company: Company) -> None:
    from datetime import date, datetime, timedelta

    from crm_core.api.interactions import NewInteraction

    with Crm(company.deployment).as_user("li", write=True) as desk:
        desk.interactions.log(
            NewInteraction(
                company.secret_customer_id,
                "call",
                notes="约好回访",
                occurred_at=datetime.now() - timedelta(days=5),
                next_contact_on=date.today() - timedelta(days=2),
            )
        )
    li = browser(company, "li")
    page = li.get("/today").text
    assert SECRET_NAME in page
    assert "/log" in page and "overdue" in page
    wang = browser(company, "wang")
    assert SECRET_NAME not in wang.get("/today").text


def test_signing_out_ends_the_session_on_the_server(company: Company) -> None:
    li = browser(company, "li")
    stolen = dict(li.cookies)
    page = li.get("/today")
    li.post("/sign-out", data={"csrf": csrf_of(page.text)})
    thief = company.client(None)
    for name, value in stolen.items():
        thief.cookies.set(name, value)
    assert thief.get("/today", follow_redirects=False).status_code == 303
