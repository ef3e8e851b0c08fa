"""The REST API as an integration and a phone use it: records in the CLI's JSON shape,
refusals as problem documents in the user's language, keyset pages, ETags that stop one
salesperson overwriting another, retries that do not create twice, uploads and downloads."""

from __future__ import annotations

import io
import threading
from collections import Counter

import openpyxl
import pytest

from crm_core.api.crm import Crm
from tests.server.conftest import BLOCKS, SECRET_NAME, Company


def test_customer_round_trip_in_the_cli_json_shape(company: Company, crm_cli) -> None:  # type: ignore[no-untyped-def]
    li = company.client("li")
    made = li.post(
        "/api/v1/customers",
        json={"name": "杭州云帆网络科技有限公司", "phone": "13811112222", "set": []},
    )
    assert made.status_code == 201
    changed = made.json()["changed"]
    created = next(c for c in changed if c["entity"] == "crm_customer" and c["action"] == "create")
    ref = created["id"]
    shown = li.get(f"/api/v1/customers/{ref}")
    assert shown.status_code == 200
    body = shown.json()
    cli = crm_cli("customers", "show", ref, "--format", "json", as_login="li").json()
    assert body == cli
    assert body["name"] == "杭州云帆网络科技有限公司"
    assert [s["title"] for s in body["sections"]]


def test_protection_feedback_and_chinese_problems(company: Company) -> None:
    wang = company.client("wang", language="zh")
    taken = wang.post("/api/v1/customers", json={"name": SECRET_NAME})
    assert taken.status_code == 409
    assert taken.headers["content-type"].startswith("application/problem+json")
    problem = taken.json()
    assert problem["status"] == 409 and problem["title"] == "Conflict"
    assert "李明" in problem["detail"]
    assert "已" in problem["detail"], "the reason speaks the user's language"
    missing = wang.get("/api/v1/customers/999999")
    assert missing.status_code == 404


def test_keyset_pages_link_the_next(company: Company) -> None:
    li = company.client("li")
    for number in range(5):
        assert (
            li.post("/api/v1/customers", json={"name": f"分页测试{number}公司"}).status_code == 201
        )
    seen: list[int] = []
    url: str | None = "/api/v1/customers?limit=2"
    while url:
        page = li.get(url)
        assert page.status_code == 200
        seen += [c["id"] for c in page.json()]
        link = page.headers.get("link")
        url = link.split(";")[0].strip("<>") if link else None
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 6


def test_the_second_of_two_editors_gets_412_and_nothing_is_overwritten(company: Company) -> None:
    ref = company.secret_customer_id
    li, boss = company.client("li"), company.client("boss")
    first = li.get(f"/api/v1/customers/{ref}").headers["etag"]
    second = boss.get(f"/api/v1/customers/{ref}").headers["etag"]
    assert first == second
    saved = li.patch(
        f"/api/v1/customers/{ref}", json={"notes": "李明的修改"}, headers={"if-match": first}
    )
    assert saved.status_code == 200, saved.text
    assert saved.headers["etag"] != first
    stale = boss.patch(
        f"/api/v1/customers/{ref}", json={"notes": "经理的修改"}, headers={"if-match": second}
    )
    assert stale.status_code == 412
    assert li.get(f"/api/v1/customers/{ref}").json()["notes"] == "李明的修改"
    unconditional = boss.patch(f"/api/v1/customers/{ref}", json={"notes": "x"})
    assert unconditional.status_code == 428
    # Logging a visit changes the timeline, not the customer's own fields (the first one moves
    # a lead to contacted): afterwards the ETag stays.
    visit = {"customer": str(ref), "kind": "visit", "notes": "拜访"}
    assert li.post("/api/v1/interactions", json=visit).status_code == 201
    tag = li.get(f"/api/v1/customers/{ref}").headers["etag"]
    assert li.post("/api/v1/interactions", json=visit).status_code == 201
    assert li.get(f"/api/v1/customers/{ref}").headers["etag"] == tag


def test_racing_editors_one_wins(company: Company) -> None:
    ref = company.secret_customer_id
    li, boss = company.client("li"), company.client("boss")
    tag = li.get(f"/api/v1/customers/{ref}").headers["etag"]
    codes: list[int] = []

    def save(client, note: str) -> None:  # type: ignore[no-untyped-def]
        codes.append(
            client.patch(
                f"/api/v1/customers/{ref}", json={"notes": note}, headers={"if-match": tag}
            ).status_code
        )

    threads = [threading.Thread(target=save, args=(c, n)) for c, n in ((li, "甲"), (boss, "乙"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [200, 412]


def test_retried_create_with_an_idempotency_key_creates_once(company: Company) -> None:
    li = company.client("li")
    key = {"idempotency-key": "phone-7f3a"}
    first = li.post("/api/v1/customers", json={"name": "重试测试公司"}, headers=key)
    again = li.post("/api/v1/customers", json={"name": "重试测试公司"}, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    names = [c["name"] for c in li.get("/api/v1/customers", params={"search": "重试测试"}).json()]
    assert names == ["重试测试公司"]
    other = li.post("/api/v1/customers", json={"name": "另一家公司"}, headers=key)
    assert other.status_code == 422
    # Another user's key of the same text is theirs alone.
    boss = company.client("boss")
    assert (
        boss.post("/api/v1/customers", json={"name": "经理的公司"}, headers=key).status_code == 201
    )


def test_concurrent_retries_run_once(company: Company) -> None:
    li = company.client("li")
    codes: list[int] = []

    def send() -> None:
        answer = li.post(
            "/api/v1/customers", json={"name": "并发重试公司"}, headers={"idempotency-key": "same"}
        )
        codes.append(answer.status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counted = Counter(codes)
    assert counted[201] >= 1 and set(counted) <= {201, 409}
    found = li.get("/api/v1/customers", params={"search": "并发重试"}).json()
    assert len(found) == 1


@pytest.mark.parametrize(
    ("body", "kind", "status", "words"),
    [
        (b"{not json", "application/json", 400, "not JSON"),
        (b"[1, 2]", "application/json", 422, "JSON object"),
        (b'{"name": "a", "owner_id": 3}', "application/json", 422, "unknown parameter"),
        (b'{"name": "a", "as": "admin"}', "application/json", 422, "unknown parameter"),
        (b"name=a", "text/plain", 415, "JSON"),
        (b'{"name": ["a", "b"]}', "application/json", 422, "one value"),
        (b'{"name": {"x": 1}}', "application/json", 422, "single value"),
    ],
)
def test_malformed_requests_are_refused_and_change_nothing(
    company: Company, body: bytes, kind: str, status: int, words: str
) -> None:
    li = company.client("li")
    before = li.get("/api/v1/customers").json()
    answer = li.post("/api/v1/customers", content=body, headers={"content-type": kind})
    assert answer.status_code == status, answer.text
    assert words in answer.json()["detail"]
    assert li.get("/api/v1/customers").json() == before


def test_oversized_bodies_are_refused_before_they_are_read(company: Company) -> None:
    li = company.client("li")
    huge = b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    answer = li.post(
        "/api/v1/customers", content=huge, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 413


def test_a_get_cannot_write_and_unknown_routes_are_404(company: Company) -> None:
    li = company.client("li")
    assert li.get("/api/v1/no-such-thing").status_code == 404
    wrong_method = li.put("/api/v1/customers")
    assert wrong_method.status_code == 405
    assert "GET" in wrong_method.headers["allow"]


@pytest.mark.skipif("customer_resources" not in BLOCKS, reason="needs customer_resources")
def test_upload_import_dry_run_then_commit_then_error_file(company: Company) -> None:
    admin = company.client("admin")
    rows = "客户名称,电话\n上传测试一公司,13600000001\n上传测试二公司,13600000002\n,13600000003\n"
    data = rows.encode("gb18030")
    files = {"path": ("客户名单.csv", data, "text/csv")}
    dry = admin.post("/api/v1/import/customers", data={"dry_run": "true"}, files=files)
    assert dry.status_code == 200, dry.text
    result = dry.json()
    record = result[0] if isinstance(result, list) else result["result"][0]
    assert record["rejected"] == 1 and record["dry_run"] is True
    assert admin.get("/api/v1/customers", params={"search": "上传测试"}).json() == []
    done = admin.post(
        "/api/v1/import/customers", files={"path": ("客户名单.csv", data, "text/csv")}
    )
    assert done.status_code == 200, done.text
    answer = done.json()
    names = [
        c["name"] for c in admin.get("/api/v1/customers", params={"search": "上传测试"}).json()
    ]
    assert sorted(names) == ["上传测试一公司", "上传测试二公司"]
    link = answer["downloads"]["errors"]
    errors = admin.get(link)
    assert errors.status_code == 200
    assert (
        "13600000003" in errors.content.decode("gb18030", errors="replace")
        or "13600000003" in errors.text
    )
    assert company.client("wang").get(link).status_code == 404, "a download is its user's"
    assert "/tmp" not in done.text and "crm-request" not in done.text


def test_not_a_spreadsheet_is_refused_like_the_cli(company: Company) -> None:
    admin = company.client("admin")
    answer = admin.post(
        "/api/v1/import/customers",
        files={"path": ("customers.xlsx", b"this is not a workbook", "application/octet-stream")},
    )
    assert answer.status_code == 422
    assert answer.json()["detail"]


def test_reports_download_as_csv_and_xlsx(company: Company) -> None:
    admin = company.client("admin")
    reports = admin.get("/api/v1/report").json()
    assert reports
    names = [r["name"] for r in reports if not r["params"]]
    if not names:
        pytest.skip("no report without parameters is enabled here")
    name = names[0]
    as_json = admin.get(f"/api/v1/report/{name}/run")
    assert as_json.status_code == 200, as_json.text
    as_xlsx = admin.get(f"/api/v1/report/{name}/run", params={"output": "报表.xlsx"})
    assert as_xlsx.status_code == 200, as_xlsx.text
    assert as_xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "UTF-8''" in as_xlsx.headers["content-disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(as_xlsx.content))
    assert workbook.active is not None
    as_csv = admin.get(f"/api/v1/report/{name}/run", params={"output": "report.csv"})
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")


def test_export_downloads_what_the_user_may_see(company: Company) -> None:
    wang = company.client("wang")
    exported = wang.get("/api/v1/export/customers", params={"path": "客户.csv"})
    assert exported.status_code == 200, exported.text
    text = exported.content.decode("utf-8-sig")
    assert "西部乙贸易有限公司" in text and SECRET_NAME not in text


def test_openapi_document_and_docs_page(company: Company) -> None:
    client = company.client(None)
    document = client.get("/api/openapi.json").json()
    assert document["openapi"] == "3.1.0"
    assert "/api/v1/customers/{ref}" in document["paths"]
    assert "patch" in document["paths"]["/api/v1/customers/{ref}"]
    assert len(document["paths"]) > 50
    page = client.get("/api/docs")
    assert page.status_code == 200 and "/api/v1/customers" in page.text
    assert "<script" not in page.text


def test_users_set_passwords_only_as_admins(company: Company) -> None:
    wang = company.client("wang")
    assert wang.post("/api/v1/users/li/password", json={"generate": True}).status_code == 403
    admin = company.client("admin")
    made = admin.post("/api/v1/users/li/password", json={"generate": True})
    assert made.status_code == 200
    password = made.json()["password"]
    client = company.client(None)
    assert (
        client.post("/api/v1/session", json={"login": "li", "password": password}).status_code
        == 201
    )
    with Crm(company.deployment).as_user("admin") as desk:
        assert desk.users.get("li").active


@pytest.mark.skipif(len(BLOCKS) < 3, reason="needs the three blocks")
def test_the_plugins_routes(company: Company) -> None:
    admin, li, wang = company.client("admin"), company.client("li"), company.client("wang")
    ref = str(company.secret_customer_id)
    assert (
        li.post("/api/v1/products", json={"code": "P1", "name": "软件", "price": "100"}).status_code
        == 403
    )
    assert (
        admin.post(
            "/api/v1/products", json={"code": "P1", "name": "软件", "price": "100"}
        ).status_code
        == 201
    )
    ordered = li.post("/api/v1/orders", json={"customer": ref, "line": ["P1:3"]})
    assert ordered.status_code == 201, ordered.text
    owed = li.get(f"/api/v1/customers/{ref}/owed")
    assert owed.status_code == 200, owed.text
    assert owed.json()["owed"] == "300.00" or owed.json()["owed"].startswith("300")
    assert wang.get(f"/api/v1/customers/{ref}/owed").status_code == 404
    agent = wang.post("/api/v1/customers", json={"name": "西部丙代理有限公司", "kind": "agent"})
    assert agent.status_code == 201, agent.text
    dealer = admin.post(
        "/api/v1/dealers",
        json={"customer": "西部丙代理有限公司", "level": "A", "credit_limit": "50000"},
    )
    assert dealer.status_code == 201, dealer.text
    credit = wang.get("/api/v1/dealers/西部丙代理有限公司/credit")
    assert credit.status_code == 200, credit.text
    assert credit.json()["available"] == credit.json()["credit_limit"]
    assert li.get("/api/v1/dealers/西部丙代理有限公司/credit").status_code == 404
    project = li.post(
        "/api/v1/projects",
        json={"customer": ref, "name": "看板项目", "amount": "100000", "close": "2027-03-31"},
    )
    assert project.status_code == 201, project.text
    board = li.get("/api/v1/projects/board")
    assert board.status_code == 200, board.text
    names = [p["name"] for column in board.json()["stages"] for p in column["projects"]]
    assert names == ["看板项目"]
    assert wang.get("/api/v1/projects/board").json()["stages"] == []
    document = company.client(None).get("/api/openapi.json").json()
    assert "/api/v1/projects/board" in document["paths"]


def test_the_command_tree_is_built_once_per_plugin_snapshot(company: Company) -> None:
    """Requests run their command in the snapshot's tree: the plugins register their commands
    when the snapshot's routes are built, not again for every request."""
    plugin = pytest.importorskip("crm_test_plugin.plugin")
    from crm_core.contract.testing import enable_plugins

    enable_plugins(company.deployment, "test_plugin")
    li = company.client("li")
    plugin.CALLS.clear()
    for _ in range(4):
        assert li.get("/api/v1/customers").status_code == 200
    assert li.get("/api/v1/notes/count").status_code == 200, "the plugin's routes are served"
    built = [call for call in plugin.CALLS if call[0] == "crm_register_commands"]
    assert len(built) == 1, built


def test_what_no_route_takes_is_a_problem_document_too(company: Company) -> None:
    li = company.client("li", language="zh")
    unmatched = li.get("/api/v2/customers")
    assert unmatched.status_code == 404
    assert unmatched.headers["content-type"].startswith("application/problem+json")
    assert unmatched.json()["detail"] == "没有这个接口：/api/v2/customers"
    wrong = li.post("/healthz")
    assert wrong.status_code == 405 and "GET" in wrong.headers["allow"]
    assert wrong.json()["detail"] == "/healthz 不接受 POST 请求。"


def test_a_broken_multipart_body_is_refused_as_the_clients_fault(company: Company) -> None:
    li = company.client("li")
    broken = li.post(
        "/api/v1/worksheets/collect",
        content=b"--b\r\n[[1, False]]--b--\r\n",
        headers={"content-type": "multipart/form-data; boundary=b"},
    )
    assert broken.status_code == 400, broken.text
    assert broken.json()["detail"].startswith("The form could not be read")
