"""A served deployment: a small company whose people have passwords, an HTTP client per
person, on each backend (the application in-process through the ASGI test client; one test
module also runs `crm serve` for real)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from importlib.util import find_spec
from typing import Any

import attrs
import pytest

from crm_core.api.crm import Crm
from crm_core.api.customers import NewCustomer
from crm_core.api.users import NewUser
from crm_core.contract.testing import enable_plugins
from crm_core.kernel.deployment import Deployment
from crm_core.server.app import ServerConfig, create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

#: Everyone's first password, set by the administrator; each chooses their own at sign-in.
FIRST = "First-Password-2026"
OWN = "My-Own-Secret-77"

#: What li (sales, team East) holds that nobody outside East may read in any answer.
SECRET_NAME = "保密甲科技有限公司"
SECRET_PHONE = "13912345678"
SECRET_NOTE = "机密备注XYZ"

BLOCKS = [
    name
    for name, package in (
        ("customer_resources", "crm_customer_resources"),
        ("project_sales", "crm_project_sales"),
        ("channel_commerce", "crm_channel_commerce"),
    )
    if find_spec(package) is not None
]


@attrs.define
class Company:
    deployment: Deployment
    app: Any
    secret_customer_id: int
    clients: dict[str, TestClient] = attrs.field(factory=dict)
    csrf: dict[str, str] = attrs.field(factory=dict)

    def client(self, login: str | None = None, *, language: str = "en") -> TestClient:
        """A client signed in as `login` with their own password (None: anonymous)."""
        if login is None:
            return TestClient(self.app, headers={"accept-language": language})
        if login not in self.clients:
            client = TestClient(self.app, headers={"accept-language": language})
            signed = client.post("/api/v1/session", json={"login": login, "password": FIRST})
            assert signed.status_code == 201, signed.text
            csrf = signed.json()["csrf_token"]
            changed = client.post(
                "/api/v1/session/password",
                json={"current": FIRST, "new": OWN},
                headers={"x-csrf-token": csrf},
            )
            assert changed.status_code == 204, changed.text
            client.headers["x-csrf-token"] = csrf
            self.clients[login] = client
            self.csrf[login] = csrf
        return self.clients[login]

    def token(self, login: str, scope: str = "write") -> str:
        with Crm(self.deployment).as_user("admin", write=True) as desk:
            return desk.tokens.create(login, "test", scope).secret

    def bearer(self, secret: str, *, language: str = "en") -> TestClient:
        return TestClient(
            self.app,
            headers={"authorization": f"Bearer {secret}", "accept-language": language},
        )


def seed(deployment: Deployment) -> int:
    """Teams East and West; admin, a manager of East, li in East, wang in West; li's customer
    with the secrets. The id of li's customer."""
    if BLOCKS:
        enable_plugins(deployment, *BLOCKS)
    crm = Crm(deployment)
    with crm.as_user("admin", write=True) as desk:
        desk.teams.add("East")
        desk.teams.add("West")
        desk.users.add(NewUser("boss", "周经理", "manager", "East"))
        desk.users.add(NewUser("li", "李明", "sales", "East"))
        desk.users.add(NewUser("wang", "王芳", "sales", "West"))
        for login in ("admin", "boss", "li", "wang"):
            desk.users.set_password(login, FIRST)
    with crm.as_user("li", write=True) as desk:
        found = desk.customers.create(
            NewCustomer(SECRET_NAME, phone=SECRET_PHONE, notes=SECRET_NOTE)
        )
    with crm.as_user("wang", write=True) as desk:
        desk.customers.create(NewCustomer("西部乙贸易有限公司", phone="13700000001"))
    return found.id


@pytest.fixture
def company(crm_deployment: Deployment) -> Iterator[Company]:
    secret_id = seed(crm_deployment)
    app = create_app(crm_deployment, ServerConfig(language="en"))
    yield Company(crm_deployment, app, secret_id)


@pytest.fixture
def make_app() -> Callable[..., Any]:
    return create_app
