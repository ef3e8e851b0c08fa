"""Plugins add parts to the library API (`crm_register_api_parts`), and the CLI prints what the
API returns: `--format json` of a command is the API record's JSON, so the REST API can answer
with exactly the same shape. Each test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import pytest

from crm_core.api import Crm
from crm_core.api.desk import Desk
from crm_core.api.serializers import jsonable, to_json
from crm_core.foundation.errors import NotFound, PluginError
from crm_core.hooks.api_parts import API_PARTS, CORE_PARTS, ApiPart
from crm_core.kernel.runtime import gather
from tests.conftest import Org


@pytest.fixture
def crm(org: Org) -> Crm:
    return Crm(org.deployment)


def test_core_parts_are_the_desks_own() -> None:
    own = {name for name, value in vars(Desk).items() if isinstance(value, cached_property)}
    assert own == CORE_PARTS


@pytest.mark.parametrize("name", ["customers", "context", "part", "_hidden", "not-a-name"])
def test_a_plugin_may_not_take_a_core_or_unusable_name(name: str) -> None:
    def call(register: Any) -> None:
        register(ApiPart(name, object))

    with pytest.raises(PluginError, match=repr(name)):
        gather(API_PARTS, [("mine", call)])


def test_two_plugins_may_not_register_one_part() -> None:
    def call(register: Any) -> None:
        register(ApiPart("budgets", object))

    with pytest.raises(PluginError, match="by one and two"):
        gather(API_PARTS, [("one", call), ("two", call)])


def test_an_enabled_plugins_parts_are_on_the_desk_and_go_when_it_is_disabled(crm: Crm) -> None:
    crm.plugins.enable(["project_sales"], as_login="admin")
    with crm.as_user("admin") as admin:
        stages = admin.pipeline.stages("standard")
        assert admin.part("pipeline") is admin.pipeline  # built once per desk
        assert len(stages) >= 3 and {"stage", "probability", "gate"} <= set(stages[0])
        assert type(admin.projects).__name__ == "Projects"
    crm.plugins.disable("project_sales", as_login="admin")
    with crm.as_user("admin") as admin:
        with pytest.raises(AttributeError, match="project_sales|plugin"):
            _ = admin.pipeline
        with pytest.raises(NotFound, match="pipeline"):
            admin.part("pipeline")


def test_a_plugin_command_answers_what_its_part_returns(crm: Crm, crm_cli: Any) -> None:
    crm.plugins.enable(["project_sales"], as_login="admin")
    shown = crm_cli("pipeline", "show", "--format", "json", as_login="admin")
    assert shown.exit_code == 0, shown.stderr
    with crm.as_user("admin") as admin:
        expected = jsonable(admin.pipeline.stages("standard"))
    assert shown.json() == expected


@pytest.mark.parametrize(
    ("command", "part", "call"),
    [
        (("users", "list"), "users", lambda p: p.list()),
        (("teams", "list"), "teams", lambda p: p.list()),
        (("config", "list"), "settings", lambda p: p.list()),
        (("audit", "--limit", "20"), "audit", lambda p: p.entries(limit=20)),
        (("report", "list"), "reports", lambda p: p.catalogue()),
        (("rules", "events"), "rules", lambda p: p.events()),
        (("fields", "entities"), "fields", lambda p: p.entities()),
        (("picklists", "list"), "picklists", lambda p: p.lists()),
        (("rules", "actions"), "rules", lambda p: p.actions()),
        (("rollout", "indicators"), "tracking", lambda p: p.indicators()),
    ],
)
def test_json_of_a_command_is_the_api_records_json(
    crm: Crm, crm_cli: Any, command: tuple[str, ...], part: str, call: Any
) -> None:
    printed = crm_cli(*command, "--format", "json", as_login="admin")
    assert printed.exit_code == 0, printed.stderr
    with crm.as_user("admin") as admin:
        expected = [to_json(r) for r in call(admin.part(part))]
    assert expected, "the fixture company should give each list something"
    assert printed.json() == expected
