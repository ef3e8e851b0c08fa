"""A manager hands a leaver's book to a colleague from the web: a preview that changes nothing,
then the transfer; the same refusals as the CLI for anyone who may not."""

from __future__ import annotations

import re

from crm_core.api.crm import Crm
from tests.server.conftest import SECRET_NAME, Company
from tests.server.test_pages import browser, csrf_of


def owner_of_secret(company: Company) -> str | None:
    with Crm(company.deployment).as_user("admin") as desk:
        return desk.customers.get(company.secret_customer_id).owner


def test_the_preview_lists_what_moves_and_changes_nothing(company: Company) -> None:
    boss = browser(company, "boss")
    form = boss.get("/team/transfer")
    assert form.status_code == 200 and 'name="from"' in form.text
    preview = boss.post(
        "/team/transfer",
        data={"csrf": csrf_of(form.text), "from": "li", "to": "boss", "action": "preview"},
    )
    assert preview.status_code == 200
    assert re.search(r"Would transfer 1 customers to boss", preview.text)
    assert 'value="commit"' in preview.text
    assert owner_of_secret(company) == "li"
    done = boss.post(
        "/team/transfer",
        data={"csrf": csrf_of(form.text), "from": "li", "to": "boss", "action": "commit"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    page = boss.get(done.headers["location"])
    assert "Transferred 1 customers to boss" in page.text
    assert owner_of_secret(company) == "boss"
    assert SECRET_NAME in boss.get("/customers").text


def test_who_may_not_transfer_is_told_why_and_nothing_moves(company: Company) -> None:
    for login, leaver in (("li", "li"), ("boss", "wang")):
        client = browser(company, login)
        form = client.get("/team/transfer")
        for action in ("preview", "commit"):
            answer = client.post(
                "/team/transfer",
                data={"csrf": csrf_of(form.text), "from": leaver, "to": login, "action": action},
            )
            assert answer.status_code == 403, (login, action)
            assert 'role="alert"' in answer.text
    assert owner_of_secret(company) == "li"


def test_a_transfer_without_the_csrf_token_moves_nothing(company: Company) -> None:
    boss = browser(company, "boss")
    answer = boss.post("/team/transfer", data={"from": "li", "to": "boss", "action": "commit"})
    assert answer.status_code == 403
    assert owner_of_secret(company) == "li"
