"""Every route of the REST API, read off the server's own route table, tried as every kind of
caller: nobody, an expired session, a revoked token, a salesperson of another team, the
manager, the owner, an administrator. Nobody unauthenticated gets past 401; no answer to the
other team's salesperson holds the owner's customer; nothing answers 5xx; and what the other
team tried leaves the owner's customer as it was."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from crm_core.api.crm import Crm
from crm_core.foundation.schema import table_of
from crm_core.foundation.types import utcnow
from crm_core.kernel.models import SignInSession
from crm_core.server.command_routes import CommandRoute, Param
from tests.server.conftest import BLOCKS, SECRET_NAME, SECRET_NOTE, SECRET_PHONE, Company

#: Values for parameters by name; anything else that is required gets "1".
VALUES = {"amount": "1", "quantity": "1", "period": "2026-12", "target": "1", "level": "lead"}
SECRETS = (SECRET_NAME, SECRET_PHONE, SECRET_NOTE)


def _value(param: Param, secret_id: int) -> Any:
    if param.name in {"ref", "customer", "refs"}:
        return [str(secret_id)] if param.multiple else str(secret_id)
    if param.choices:
        value: Any = param.choices[0]
    elif param.kind == "boolean":
        value = False
    elif param.kind == "date":
        value = "2026-12-01"
    else:
        value = VALUES.get(param.name, "1")
    return [value] if param.multiple else value


def request_of(route: CommandRoute, secret_id: int) -> dict[str, Any]:
    path = route.path
    for param in route.in_path:
        path = path.replace("{" + param.name + "}", str(_value(param, secret_id)))
    needed = {
        p.name: _value(p, secret_id)
        for p in route.params
        if p.required and p.file is None and not p.is_flag
    }
    uploads = {
        p.name: ("客户.csv", "客户名称\n矩阵测试公司\n".encode(), "text/csv")
        for p in route.params
        if p.file == "upload" and p.required
    }
    headers = {"if-match": "*"} if route.method in {"PATCH", "DELETE"} else {}
    if route.reads:
        return {"method": route.method, "url": path, "params": needed, "headers": headers}
    if uploads:
        return {
            "method": route.method,
            "url": path,
            "data": needed,
            "files": uploads,
            "headers": headers,
        }
    return {"method": route.method, "url": path, "json": needed, "headers": headers}


def routes_of(company: Company) -> list[CommandRoute]:
    table = company.app.state.server.tables.current()
    routes = list(table.commands)
    # Enabling and disabling plugins changes the table: those go last.
    return sorted(routes, key=lambda r: r.command[0] == "plugins")


def expired_client(company: Company) -> Any:
    client = company.client("boss")
    with company.deployment.engine.begin() as connection:
        connection.execute(
            update(table_of(SignInSession)).values(expires_at=utcnow() - timedelta(minutes=1))
        )
    company.clients.pop("boss")
    return client


def test_route_table_serves_every_command(company: Company) -> None:
    routes = routes_of(company)
    served = {" ".join(r.command) for r in routes}
    assert {"customers list", "customers show", "customers add", "interactions log"} <= served
    assert "init" not in served and "users passwd" not in served
    paths = {r.key for r in routes}
    assert "GET /api/v1/customers" in paths
    assert "GET /api/v1/customers/{ref}" in paths
    assert "PATCH /api/v1/customers/{ref}" in paths
    if "customer_resources" in BLOCKS:
        assert "POST /api/v1/customers/{ref}/claim" in paths
    assert "POST /api/v1/interactions" in paths
    for route in routes:
        assert route.path.startswith("/api/v1/")


def test_unauthenticated_callers_get_401_everywhere(company: Company) -> None:
    expired = expired_client(company)
    revoked_secret = company.token("li")
    with Crm(company.deployment).as_user("admin", write=True) as desk:
        desk.tokens.revoke(desk.tokens.list("li")[0].id)
    callers = {
        "anonymous": company.client(None),
        "expired session": expired,
        "revoked token": company.bearer(revoked_secret),
    }
    for name, client in callers.items():
        for route in routes_of(company):
            answer = client.request(**request_of(route, company.secret_customer_id))
            assert answer.status_code == 401, (name, route.key, answer.text)
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert not any(s in answer.text for s in SECRETS)


def test_every_route_as_every_colleague(company: Company) -> None:
    secret_id = company.secret_customer_id
    routes = routes_of(company)
    for login in ("wang", "boss", "li", "admin"):
        client = company.client(login)
        for route in routes:
            answer = client.request(**request_of(route, secret_id))
            assert answer.status_code < 500, (login, route.key, answer.text)
            assert "A GET only reads" not in answer.text, ("a GET that writes", route.key)
            if answer.status_code >= 400:
                assert answer.headers["content-type"].startswith("application/problem+json")
                assert answer.json()["detail"], (login, route.key)
            if login == "wang":
                leaked = [s for s in SECRETS if s in answer.text]
                assert not leaked, (route.key, answer.text[:300])
                if not route.reads and any(p.name in {"ref", "customer"} for p in route.in_path):
                    assert answer.status_code >= 400, (route.key, answer.text)
        if login == "wang":
            with Crm(company.deployment).as_user("admin") as desk:
                kept = desk.customers.get(secret_id)
            assert (kept.name, kept.phone, kept.notes, kept.owner) == (
                SECRET_NAME,
                SECRET_PHONE,
                SECRET_NOTE,
                "li",
            )


@pytest.mark.parametrize("login", ["wang", "boss"])
def test_lists_and_counts_agree_with_visibility(company: Company, login: str) -> None:
    client = company.client(login)
    names = [c["name"] for c in client.get("/api/v1/customers").json()]
    assert (SECRET_NAME in names) == (login == "boss")
    count = client.get("/api/v1/customers", params={"count": "true"}).json()
    assert str(len(names)) in str(count)
    answer = client.get(f"/api/v1/customers/{company.secret_customer_id}")
    if login == "wang":
        missing = client.get("/api/v1/customers/999999")
        assert answer.status_code == missing.status_code == 404
        assert answer.json()["detail"].replace(str(company.secret_customer_id), "N") == (
            missing.json()["detail"].replace("999999", "N")
        )
    else:
        assert answer.status_code == 200
