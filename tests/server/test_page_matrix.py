"""Every web page, read off the application's routes and the plugins' pages of the current
snapshot, tried as every kind of caller: nobody, a salesperson of another team, the owner, the
manager, an administrator. Nobody signed out gets a page but the sign-in; nothing answers 5xx;
no page the other team's salesperson opens holds the owner's customer; and what they post to any
page leaves that customer as it was."""

from __future__ import annotations

import re

import pytest
from starlette.routing import Route

from crm_core.api.crm import Crm
from crm_core.server.route_table import RouteTable
from tests.server.conftest import SECRET_NAME, SECRET_NOTE, SECRET_PHONE, Company
from tests.server.test_pages import browser, csrf_of

SECRETS = (SECRET_NAME, SECRET_PHONE, SECRET_NOTE)
#: Pages a signed-out browser may open.
PUBLIC = {"/sign-in", "/"}  # "/" only sends the browser on to /today
CALLERS = ("wang", "li", "boss", "admin")


def _paths(company: Company, method: str) -> list[str]:
    """Every page path taking `method`, its parameters filled with li's customer and the like."""
    starlette = company.app.app
    paths = [
        r.path
        for r in starlette.routes
        if isinstance(r, Route)
        and method in (r.methods or ())
        and not r.path.startswith(("/api", "/healthz", "/{rest"))
    ]
    snapshot = RouteTable(company.deployment).current()
    paths += [p.page.path for p in snapshot.pages if method in p.page.methods]
    values = {
        "ref": str(company.secret_customer_id),
        "name": "customers-by-segment",
        "login": "li",
        "fmt": "csv",
        "project": "1",
        "number": "1",
    }
    filled = []
    for path in sorted(set(paths)):
        if path.startswith("/admin/picklists/"):
            filled.append(path.replace("{name}", "industry"))
            continue
        filled.append(re.sub(r"\{(\w+)(:\w+)?\}", lambda m: values.get(m.group(1), "1"), path))
    return filled


@pytest.mark.parametrize("caller", [None, *CALLERS])
def test_every_page_opened_by_every_caller_answers_without_a_defect_or_a_leak(
    company: Company, caller: str | None
) -> None:
    client = company.client(None) if caller is None else browser(company, caller)
    for path in _paths(company, "GET"):
        answer = client.get(path, headers={"accept": "text/html"}, follow_redirects=False)
        assert answer.status_code < 500, (caller, path, answer.text[:300])
        if caller is None and path not in PUBLIC:
            assert answer.status_code == 303, path
            assert answer.headers["location"].startswith("/sign-in"), path
        if caller == "wang":
            for secret in SECRETS:
                assert secret not in answer.text, (path, secret)


def test_what_another_team_posts_to_any_page_leaves_the_owners_customer_as_it_was(
    company: Company,
) -> None:
    wang = browser(company, "wang")
    csrf = csrf_of(wang.get("/today").text)
    ref = str(company.secret_customer_id)
    with Crm(company.deployment).as_user("admin") as desk:
        before = desk.customers.get(company.secret_customer_id)
    for path in _paths(company, "POST"):
        if path in {"/sign-out", "/sign-in", "/password"}:
            continue
        form = {
            "csrf": csrf,
            "name": "改名",
            "kind": "visit",
            "notes": "x",
            "from": "li",
            "to": "wang",
            "action": "commit",
            "customer": ref,
            "text": "x",
        }
        answer = wang.post(path, data=form, follow_redirects=False)
        assert answer.status_code < 500, (path, answer.text[:300])
        for secret in SECRETS:
            assert secret not in answer.text, (path, secret)
    with Crm(company.deployment).as_user("admin") as desk:
        after = desk.customers.get(company.secret_customer_id)
    assert (after.name, after.owner, after.notes) == (before.name, before.owner, before.notes)
    with Crm(company.deployment).as_user("li") as desk:
        from crm_core.api.interactions import InteractionQuery

        logged = desk.interactions.list(InteractionQuery(customer=company.secret_customer_id))
    assert list(logged.items) == []
