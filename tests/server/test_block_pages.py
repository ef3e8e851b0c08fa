"""The pages blocks 2 and 3 add: the project board and a project's gate (project_sales); the
dealers with their credit and the dealer order form with its credit check (channel_commerce)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from crm_core.api.crm import Crm
from tests.server.conftest import BLOCKS, SECRET_NAME, Company
from tests.server.test_pages import browser, csrf_of

needs_projects = pytest.mark.skipif(
    "project_sales" not in BLOCKS, reason="project_sales is not installed"
)


def new_project(company: Company, name: str = "智慧园区一期") -> int:
    with Crm(company.deployment).as_user("li", write=True) as desk:
        made = desk.projects.create(
            SECRET_NAME,
            name,
            expected_amount="1200000",
            expected_close=date.today() + timedelta(days=90),
        )
    return int(made.id)


def stage_of(company: Company, project: int) -> str:
    with Crm(company.deployment).as_user("admin") as desk:
        return str(desk.projects.show(project)["stage"])


@needs_projects
def test_the_board_shows_open_projects_by_stage_and_advances_with_one_click(
    company: Company,
) -> None:
    project = new_project(company)
    li = browser(company, "li")
    board = li.get("/projects")
    assert board.status_code == 200
    assert re.search(r'data-stage="lead">\s*<h2>线索', board.text)
    assert "智慧园区一期" in board.text
    moved = li.post(
        f"/projects/{project}/advance",
        data={"csrf": csrf_of(board.text), "back": "board"},
        follow_redirects=False,
    )
    assert moved.headers["location"] == f"/projects?moved={project}"
    assert stage_of(company, project) == "qualification"
    refused = li.post(
        f"/projects/{project}/advance", data={"csrf": csrf_of(board.text), "back": "board"}
    )
    assert refused.status_code == 422
    assert "missing qualification: budget" in refused.text  # the deliverable is named
    assert stage_of(company, project) == "qualification"
    assert "智慧园区一期" not in browser(company, "wang").get("/projects").text


@needs_projects
def test_a_gate_is_passed_by_handing_in_its_record_and_its_file(company: Company) -> None:
    project = new_project(company)
    with Crm(company.deployment).as_user("li", write=True) as desk:
        desk.projects.advance(project)
    li = browser(company, "li")
    page = li.get(f"/projects/{project}")
    assert page.status_code == 200 and "budget" in page.text
    csrf = csrf_of(page.text)
    bad = li.post(
        f"/projects/{project}/deliver",
        data={"csrf": csrf, "deliverable": "budget", "record": "没有冒号的一行"},
    )
    assert bad.status_code == 422 and "没有冒号的一行" in bad.text
    handed = li.post(
        f"/projects/{project}/deliver",
        data={"csrf": csrf, "deliverable": "budget", "record": "金额：120万\n批准人: 张总"},
        follow_redirects=False,
    )
    assert handed.status_code == 303
    li.post(f"/projects/{project}/advance", data={"csrf": csrf})
    assert stage_of(company, project) == "solution"
    plan = li.post(
        f"/projects/{project}/deliver",
        data={"csrf": csrf, "deliverable": "design_plan"},
        files={"file": ("设计方案 v1.pdf", b"%PDF-1.4 plan", "application/pdf")},
        follow_redirects=False,
    )
    assert plan.status_code == 303
    shown = li.get(f"/projects/{project}").text
    assert "设计方案 v1.pdf" in shown
    li.post(f"/projects/{project}/advance", data={"csrf": csrf})
    assert stage_of(company, project) == "quotation"


@needs_projects
def test_a_project_one_may_not_see_is_a_missing_page_and_cannot_be_moved(
    company: Company,
) -> None:
    project = new_project(company)
    wang = browser(company, "wang")
    assert wang.get(f"/projects/{project}").status_code == 404
    csrf = csrf_of(wang.get("/today").text)
    for action in ("advance", "lose"):
        answer = wang.post(f"/projects/{project}/{action}", data={"csrf": csrf, "reason": "价格"})
        assert answer.status_code in {403, 404, 422}, action
    assert stage_of(company, project) == "lead"


needs_dealers = pytest.mark.skipif(
    "channel_commerce" not in BLOCKS, reason="channel_commerce is not installed"
)


def dealer_world(company: Company) -> None:
    from crm_core.api.products import NewProduct

    with Crm(company.deployment).as_user("admin", write=True) as desk:
        desk.products.add(NewProduct("P1", "净水器", price="1000.00"))
        desk.stock.add_warehouse("W1", "一号仓", "华东")
        desk.stock.receive("W1", "P1", 40)
    with Crm(company.deployment).as_user("li", write=True) as desk:
        from crm_core.api.customers import NewCustomer

        desk.customers.create(NewCustomer("杭州代理商", kind="agent"))
    with Crm(company.deployment).as_user("boss", write=True) as desk:
        desk.dealers.register("杭州代理商", level="一级", credit_limit="5000")


def credit_used(company: Company) -> str:
    with Crm(company.deployment).as_user("admin") as desk:
        return str(
            next(d for d in desk.dealers.list() if d["dealer"] == "杭州代理商")["credit_used"]
        )


@needs_dealers
def test_a_dealer_order_shows_its_credit_check_before_it_is_confirmed(company: Company) -> None:
    dealer_world(company)
    li = browser(company, "li")
    listing = li.get("/dealers")
    assert "杭州代理商" in listing.text and "5,000.00" in listing.text
    form = li.get("/dealer-orders/new", params={"dealer": "杭州代理商"})
    assert "selected>杭州代理商" in form.text
    drafted = li.post(
        "/dealer-orders/new",
        data={
            "csrf": csrf_of(form.text),
            "dealer": "杭州代理商",
            "warehouse": "W1",
            "lines": "P1:3",
        },
        follow_redirects=False,
    )
    assert drafted.status_code == 303
    page = li.get(drafted.headers["location"])
    assert "3,000.00" in page.text and "The order fits the dealer" in page.text
    assert credit_used(company) == "0.00"  # a draft uses no credit
    confirm = re.search(r'action="(/dealer-orders/[^"]+/confirm)"', page.text)
    assert confirm
    done = li.post(confirm.group(1), data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert done.status_code == 303
    assert credit_used(company) == "3000.00"
    number = confirm.group(1).split("/")[2]
    assert number in li.get("/dealer-orders", params={"status": "confirmed"}).text
    assert number not in li.get("/dealer-orders", params={"status": "draft"}).text


@needs_dealers
def test_an_order_over_the_credit_is_shown_as_such_and_refused_on_confirm(
    company: Company,
) -> None:
    dealer_world(company)
    li = browser(company, "li")
    form = li.get("/dealer-orders/new")
    drafted = li.post(
        "/dealer-orders/new",
        data={
            "csrf": csrf_of(form.text),
            "dealer": "杭州代理商",
            "warehouse": "W1",
            "lines": "P1:6",
        },
    )
    assert "exceeds the dealer" in drafted.text and "-1,000.00" in drafted.text
    confirm = re.search(r'action="(/dealer-orders/[^"]+/confirm)"', drafted.text)
    assert confirm
    refused = li.post(confirm.group(1), data={"csrf": csrf_of(drafted.text)})
    assert refused.status_code == 422 and "credit limit exceeded" in refused.text
    assert credit_used(company) == "0.00"
    bad = li.post(
        "/dealer-orders/new",
        data={
            "csrf": csrf_of(form.text),
            "dealer": "杭州代理商",
            "warehouse": "W1",
            "lines": "没有这个产品",
        },
    )
    assert bad.status_code == 422 and 'role="alert"' in bad.text and "没有这个产品" in bad.text
