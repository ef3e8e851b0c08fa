"""Shared fixtures: a small company with a team hierarchy, on each backend."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.util import find_spec
from typing import Any

import attrs
import pytest

from crm_core.hooks.actor import SYSTEM
from crm_core.hooks.context import Context
from crm_core.hooks.rollups import ROLLUPS
from crm_core.kernel import lifecycle
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.runtime import gather
from crm_core.services import customers, interactions, teams, users


@pytest.fixture(autouse=True)
def _crm_environment(crm_environment: None) -> None:
    """Every test in English, in a working folder of its own (crm_core.contract.testing)."""


#: The plugins that ship beside the core, by their packages. The core's suite also runs with
#: none of them installed (`python3 dev.py test`, in .venv-core).
SHIPPED = {
    "customer_resources": "crm_customer_resources",
    "project_sales": "crm_project_sales",
    "channel_commerce": "crm_channel_commerce",
    "level_watch": "crm_level_watch",
}


#: For a test (or, as `pytestmark`, a module) about the three blocks together: the demo, the
#: examples, the benchmarks' worlds, the generated CLI reference.
needs_the_three_blocks = pytest.mark.skipif(
    any(
        find_spec(SHIPPED[name]) is None
        for name in ("customer_resources", "project_sales", "channel_commerce")
    ),
    reason="needs the three shipped blocks, not installed here",
)


@pytest.fixture(autouse=True)
def _skip_without_shipped_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test that enables a shipped plugin which is not installed here is skipped, naming it:
    the core's suite runs with the core alone too, and such a test is about the plugin."""
    missing = {name for name, package in SHIPPED.items() if find_spec(package) is None}
    if not missing:
        return
    enable = lifecycle.enable

    def enable_or_skip(deployment: Any, actor: Any, names: list[str], **options: Any) -> Any:
        absent = sorted(set(names) & missing)
        if absent:
            pytest.skip(f"needs {', '.join(absent)}, not installed here")
        return enable(deployment, actor, names, **options)

    monkeypatch.setattr(lifecycle, "enable", enable_or_skip)


@attrs.frozen
class Org:
    """总部 > 华东区 > 上海组, and 华南区 beside 华东区.

    One customer per salesperson, one in the pool.
    """

    deployment: Deployment
    customer_of: dict[str, int]

    def work(self, login: str, write: bool = False) -> Iterator[Context]:
        return self.deployment.work(login, write=write)  # type: ignore[return-value]


MEMBERS = [
    # login, name, role, team
    ("boss", "老板", "manager", "总部"),
    ("east_mgr", "华东经理", "manager", "华东区"),
    ("sh_mgr", "上海组长", "manager", "上海组"),
    ("sh_sales1", "上海销售一", "sales", "上海组"),
    ("sh_sales2", "上海销售二", "sales", "上海组"),
    ("east_sales", "华东销售", "sales", "华东区"),
    ("south_mgr", "华南经理", "manager", "华南区"),
    ("south_sales", "华南销售", "sales", "华南区"),
]
SELLERS = ["sh_sales1", "sh_sales2", "east_sales", "south_sales", "sh_mgr"]


def build_org(deployment: Deployment) -> Org:
    with deployment.work("admin", write=True) as ctx:
        teams.add(ctx, "总部")
        teams.add(ctx, "华东区", "总部")
        teams.add(ctx, "上海组", "华东区")
        teams.add(ctx, "华南区", "总部")
        for login, name, role, team in MEMBERS:
            users.add(ctx, login, name, role, team)
    owned: dict[str, int] = {}
    for login in SELLERS:
        with deployment.work(login, write=True) as ctx:
            customer = customers.create(ctx, {"name": f"{login} 的客户有限公司", "phone": None})
            owned[login] = customer.id
            interactions.log(ctx, str(customer.id), "call", notes="初次电话")
    with deployment.work(SYSTEM, write=True) as ctx:
        owned["pool"] = customers.create(ctx, {"name": "公海客户"}, pool=True).id
    return Org(deployment, owned)


def register_rollups(*specs: Any) -> list[Any]:
    """The rollups that registering `specs` in this order gives, checked as a deployment checks
    them (without one)."""

    def call(register: Any) -> None:
        for spec in specs:
            register(spec)

    return list(gather(ROLLUPS, [("test", call)]).values())


@pytest.fixture
def org(crm_deployment: Deployment) -> Org:
    return build_org(crm_deployment)


@pytest.fixture(autouse=True)
def _clear_test_plugin_calls() -> None:
    try:
        from crm_test_plugin import plugin
    except ImportError:  # the test distribution is not installed
        return
    plugin.CALLS.clear()
