"""Signing in to the server: argon2id passwords, the forced first change, sessions that end
when they should, CSRF, lockout and throttling, API tokens, and logs without secrets."""

from __future__ import annotations

import io
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from crm_core.api.crm import Crm
from crm_core.api.users import UserChanges
from crm_core.contract.testing import CliResult
from crm_core.foundation.schema import table_of
from crm_core.foundation.types import utcnow
from crm_core.kernel.models import ApiToken, AuditEntry, Credential, SignInSession, User
from tests.server.conftest import FIRST, OWN, SECRET_NAME, SECRET_PHONE, Company


def sign_in(company: Company, login: str, password: str, **headers: str):  # type: ignore[no-untyped-def]
    client = company.client(None)
    return client, client.post(
        "/api/v1/session", json={"login": login, "password": password}, headers=headers
    )


def audit_actions(company: Company, action: str) -> int:
    audit = table_of(AuditEntry)
    with company.deployment.engine.connect() as connection:
        return len(connection.execute(select(audit.c.id).where(audit.c.action == action)).all())


def test_passwords_are_argon2id_and_sessions_stored_hashed(company: Company) -> None:
    client, answer = sign_in(company, "li", FIRST)
    assert answer.status_code == 201
    cookie = client.cookies["crm_session"]
    with company.deployment.engine.connect() as connection:
        hashes = connection.execute(select(table_of(Credential).c.password_hash)).scalars().all()
        tokens = connection.execute(select(table_of(SignInSession).c.token_hash)).scalars().all()
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    assert FIRST not in "".join(hashes)
    assert tokens and cookie.split(".")[0] not in tokens
    assert all(len(t) == 64 for t in tokens)


def test_first_sign_in_must_choose_own_password(company: Company) -> None:
    client, answer = sign_in(company, "li", FIRST)
    assert answer.json()["must_change_password"] is True
    csrf = answer.json()["csrf_token"]
    refused = client.get("/api/v1/customers")
    assert refused.status_code == 403
    assert "password" in refused.json()["detail"]
    weak = client.post(
        "/api/v1/session/password",
        json={"current": FIRST, "new": "short"},
        headers={"x-csrf-token": csrf},
    )
    assert weak.status_code == 422
    assert "10 characters" in weak.json()["detail"]
    wrong = client.post(
        "/api/v1/session/password",
        json={"current": "not-it-at-all", "new": OWN},
        headers={"x-csrf-token": csrf},
    )
    assert wrong.status_code == 422
    done = client.post(
        "/api/v1/session/password",
        json={"current": FIRST, "new": OWN},
        headers={"x-csrf-token": csrf},
    )
    assert done.status_code == 204
    assert client.get("/api/v1/customers").status_code == 200
    assert sign_in(company, "li", FIRST)[1].status_code == 401
    assert sign_in(company, "li", OWN)[1].json()["must_change_password"] is False


def test_cookie_attributes(company: Company) -> None:
    _client, answer = sign_in(company, "li", FIRST)
    cookies = answer.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("crm_session="))
    assert "HttpOnly" in session
    assert "samesite=lax" in session.lower()
    assert "Secure" not in session  # plain HTTP here; behind TLS the cookie is Secure
    from starlette.testclient import TestClient

    over_tls = TestClient(company.app, base_url="https://crm.example")
    answer = over_tls.post("/api/v1/session", json={"login": "li", "password": FIRST})
    session = next(c for c in answer.headers.get_list("set-cookie") if "crm_session=" in c)
    assert "Secure" in session


def test_wrong_passwords_are_audited_and_lock_the_account(company: Company) -> None:
    before = audit_actions(company, "sign-in-failed")
    for _ in range(5):
        _client, answer = sign_in(company, "li", "wrong-password-1")
        assert answer.status_code == 401
    assert audit_actions(company, "sign-in-failed") == before + 5
    _client, locked = sign_in(company, "li", FIRST)
    assert locked.status_code == 401, "the right password does not open a locked account"
    assert locked.json()["detail"] == answer.json()["detail"]
    unknown = sign_in(company, "nobody", "whatever-it-is")[1]
    assert unknown.status_code == 401
    assert unknown.json()["detail"].replace("nobody", "li") == answer.json()["detail"]
    with company.deployment.engine.begin() as connection:
        connection.execute(
            update(table_of(Credential)).values(locked_until=utcnow() - timedelta(seconds=1))
        )
    assert sign_in(company, "li", FIRST)[1].status_code == 201
    assert audit_actions(company, "sign-in") >= 1


def test_many_failures_from_one_address_are_throttled(company: Company) -> None:
    client = company.client(None)
    codes = [
        client.post(
            "/api/v1/session", json={"login": f"guess{i}", "password": "x" * 12}
        ).status_code
        for i in range(21)
    ]
    assert codes[:20] == [401] * 20
    assert codes[20] == 429
    refused = client.post("/api/v1/session", json={"login": "li", "password": FIRST})
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0


def test_sign_out_ends_the_session_on_the_server(company: Company) -> None:
    client = company.client("li")
    cookie = client.cookies["crm_session"]
    assert client.delete("/api/v1/session").status_code == 204
    replay = company.client(None)
    replay.cookies.set("crm_session", cookie)
    assert replay.get("/api/v1/customers").status_code == 401


def test_forged_cookie_is_refused(company: Company) -> None:
    client = company.client("li")
    token = client.cookies["crm_session"].split(".")[0]
    forged = company.client(None)
    forged.cookies.set("crm_session", token + ".0123456789abcdef0123456789abcdef")
    assert forged.get("/api/v1/customers").status_code == 401


@pytest.mark.parametrize("column", ["last_seen_at", "expires_at"])
def test_idle_and_absolute_expiry(company: Company, column: str) -> None:
    client = company.client("li")
    assert client.get("/api/v1/customers").status_code == 200
    past = utcnow() - timedelta(days=30)
    with company.deployment.engine.begin() as connection:
        connection.execute(update(table_of(SignInSession)).values({column: past}))
    answer = client.get("/api/v1/customers")
    assert answer.status_code == 401
    assert "sign in again" in answer.json()["detail"]


@pytest.mark.parametrize(
    "changes", [UserChanges(active=False), UserChanges(role="admin"), UserChanges(team="West")]
)
def test_deactivation_or_new_role_ends_sessions_and_tokens(
    company: Company, changes: UserChanges
) -> None:
    client = company.client("li")
    with_token = company.bearer(company.token("li"))
    assert client.get("/api/v1/customers").status_code == 200
    assert with_token.get("/api/v1/customers").status_code == 200
    with Crm(company.deployment).as_user("admin", write=True) as desk:
        desk.users.change("li", changes)
    assert client.get("/api/v1/customers").status_code == 401
    assert with_token.get("/api/v1/customers").status_code == 401
    with company.deployment.engine.connect() as connection:
        live = connection.execute(
            select(table_of(ApiToken).c.id).where(table_of(ApiToken).c.revoked_at.is_(None))
        ).all()
    assert live == []


def test_csrf_is_required_for_changes_made_with_a_cookie(company: Company) -> None:
    client = company.client("li")
    csrf = client.headers.pop("x-csrf-token")
    try:
        refused = client.post("/api/v1/customers", json={"name": "杭州无令牌公司"})
        assert refused.status_code == 403
        assert "CSRF" in refused.json()["detail"]
        other_site = client.post(
            "/api/v1/customers",
            json={"name": "杭州无令牌公司"},
            headers={"x-csrf-token": csrf, "origin": "https://evil.example"},
        )
        assert other_site.status_code == 403
        found = client.get("/api/v1/customers", params={"search": "无令牌"}).json()
        assert found == []
        made = client.post(
            "/api/v1/customers", json={"name": "杭州无令牌公司"}, headers={"x-csrf-token": csrf}
        )
        assert made.status_code == 201
    finally:
        client.headers["x-csrf-token"] = csrf


def test_tokens_act_as_their_user_and_read_tokens_only_read(company: Company) -> None:
    reader = company.bearer(company.token("wang", "read"))
    listed = reader.get("/api/v1/customers").json()
    assert [c["name"] for c in listed] == ["西部乙贸易有限公司"]
    refused = reader.post("/api/v1/customers", json={"name": "读令牌公司"})
    assert refused.status_code == 403
    assert "only read" in refused.json()["detail"]
    writer = company.bearer(company.token("wang", "write"))
    assert writer.post("/api/v1/customers", json={"name": "写令牌公司"}).status_code == 201
    assert company.bearer("crm_not-a-token").get("/api/v1/customers").status_code == 401


def test_revoked_and_expired_tokens_are_refused(company: Company) -> None:
    secret = company.token("li")
    client = company.bearer(secret)
    assert client.get("/api/v1/customers").status_code == 200
    with Crm(company.deployment).as_user("admin", write=True) as desk:
        token_id = desk.tokens.list("li")[0].id
        desk.tokens.revoke(token_id)
    assert client.get("/api/v1/customers").status_code == 401
    other = company.bearer(company.token("li"))
    with company.deployment.engine.begin() as connection:
        connection.execute(
            update(table_of(ApiToken)).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert other.get("/api/v1/customers").status_code == 401


def test_cli_sets_passwords_and_manages_tokens(
    company: Company, crm_cli, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    result: CliResult = crm_cli("users", "passwd", "wang", "--generate")
    assert result.exit_code == 0, result.stderr
    generated = result.output.strip().splitlines()[-1]
    assert sign_in(company, "wang", generated)[1].status_code == 201
    monkeypatch.setattr("sys.stdin", io.StringIO("abc\n"))
    short = crm_cli("users", "passwd", "wang", "--password-stdin")
    assert short.exit_code == 1
    assert short.stderr.strip() == "error: A password needs at least 10 characters."
    made = crm_cli("tokens", "create", "wang", "--scope", "read", "--name", "ERP")
    assert made.exit_code == 0, made.stderr
    secret = made.output.strip().splitlines()[-1]
    assert secret.startswith("crm_")
    listed = crm_cli("tokens", "list", "--format", "json").json()
    assert listed[0]["name"] == "ERP" and secret not in str(listed)
    assert company.bearer(secret).get("/api/v1/customers").status_code == 200
    revoked = crm_cli("tokens", "revoke", str(listed[0]["id"]))
    assert revoked.exit_code == 0
    assert company.bearer(secret).get("/api/v1/customers").status_code == 401
    not_admin = crm_cli("--as", "wang", "users", "passwd", "li", "--generate")
    assert not_admin.exit_code == 1
    assert "may not set passwords" in not_admin.stderr


def test_logs_hold_no_passwords_tokens_or_customer_data(
    company: Company, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = company.token("li")
    client = company.client("li")
    client.get("/api/v1/customers", params={"search": SECRET_NAME})
    client.get(f"/api/v1/customers/{SECRET_NAME}")
    company.bearer(secret).get("/api/v1/customers")
    text = "\n".join(record.getMessage() for record in caplog.records)
    access = [r for r in caplog.records if r.name == "crm.access"]
    assert access, "one access line per request"
    for forbidden in (FIRST, OWN, secret, SECRET_NAME, SECRET_PHONE, client.cookies["crm_session"]):
        assert forbidden not in text
    with company.deployment.engine.connect() as connection:
        audit = table_of(AuditEntry)
        values = connection.execute(select(audit.c.new_value, audit.c.old_value)).all()
    assert not any(FIRST in str(v) or OWN in str(v) or secret in str(v) for v in values)
    assert User  # the users table holds no secret column: passwords live in crm_credential
