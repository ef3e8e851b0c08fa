"""level_watch end to end, on SQLite and PostgreSQL (the crm_core.contract.testing fixtures run each test
on both): enable, set who to notify, change a level, read the notice file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from crm_core.kernel import lifecycle
from crm_core.kernel.deployment import Deployment
from crm_core.services import customers, teams, users

Cli = Callable[..., Any]


@pytest.fixture
def notices(crm_deployment: Deployment, crm_cli: Cli, tmp_path: Path) -> Path:
    """level_watch enabled; two salespeople with one customer each; notices go to a temp file."""
    assert crm_cli("plugins", "enable", "level_watch").exit_code == 0
    path = tmp_path / "notices.jsonl"
    assert crm_cli("config", "set", "level_watch.notices", str(path)).exit_code == 0
    with crm_deployment.work("admin", write=True) as ctx:
        teams.add(ctx, "销售部")
        users.add(ctx, "li", "李明", "sales", "销售部")
        users.add(ctx, "wang", "王芳", "sales", "销售部")
    with crm_deployment.work("li", write=True) as ctx:
        customers.create(ctx, {"name": "上海星海科技有限公司"})
    with crm_deployment.work("wang", write=True) as ctx:
        customers.create(ctx, {"name": "杭州青禾数字科技有限公司"})
    return path


def read(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_level_change_of_a_watched_customer_writes_a_notice(notices: Path, crm_cli: Cli) -> None:
    assert crm_cli("level-watch", "set", "上海星海科技", "华东区经理", as_login="li").exit_code == 0
    changed = crm_cli("customers", "update", "上海星海科技", "--level", "qualified", as_login="li")
    assert changed.exit_code == 0, changed.stderr
    [notice] = read(notices)
    assert notice["customer"] == "上海星海科技有限公司"
    assert (notice["from"], notice["to"]) == ("lead", "qualified")
    assert (notice["by"], notice["notify"]) == ("li", "华东区经理")


def test_an_unwatched_customer_or_an_unchanged_level_writes_nothing(
    notices: Path, crm_cli: Cli
) -> None:
    crm_cli("customers", "update", "杭州青禾数字科技", "--level", "qualified", as_login="wang")
    crm_cli("level-watch", "set", "上海星海科技", "经理", as_login="li")
    crm_cli("customers", "update", "上海星海科技", "--region", "华东", as_login="li")
    assert read(notices) == []


def test_the_field_shows_in_the_360_view_and_follows_visibility(
    notices: Path, crm_cli: Cli
) -> None:
    crm_cli("level-watch", "set", "上海星海科技", "华东区经理", as_login="li")
    shown = crm_cli("customers", "show", "上海星海科技", "--format", "json", as_login="li")
    assert "华东区经理" in shown.output
    assert crm_cli("level-watch", "list", "--format", "json", as_login="li").json() == [
        {"customer": "上海星海科技有限公司", "notify": "华东区经理"}
    ]
    assert crm_cli("level-watch", "list", "--format", "json", as_login="wang").json() == []


def test_a_colleague_cannot_watch_a_customer_they_may_not_see(notices: Path, crm_cli: Cli) -> None:
    refused = crm_cli("level-watch", "set", "上海星海科技", "我", as_login="wang")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: ") and refused.stderr.count("\n") == 1
    assert crm_cli("level-watch", "list", "--format", "json").json() == []


def test_disabling_stops_the_notices_and_keeps_the_field(notices: Path, crm_cli: Cli) -> None:
    crm_cli("level-watch", "set", "上海星海科技", "经理", as_login="li")
    assert crm_cli("plugins", "disable", "level_watch").exit_code == 0
    crm_cli("customers", "update", "上海星海科技", "--level", "qualified", as_login="li")
    assert read(notices) == []
    assert crm_cli("plugins", "enable", "level_watch").exit_code == 0
    assert crm_cli("level-watch", "list", "--format", "json").json() == [
        {"customer": "上海星海科技有限公司", "notify": "经理"}
    ]


def test_the_migration_matches_the_model(notices: Path, crm_deployment: Deployment) -> None:
    from crm_core.contract.testing import schema_differences

    assert schema_differences(crm_deployment, {"level_watch"}) == []


def test_enabling_is_refused_to_a_salesperson(crm_deployment: Deployment, crm_cli: Cli) -> None:
    with crm_deployment.work("admin", write=True) as ctx:
        users.add(ctx, "li", "李明", "sales", None)
    refused = crm_cli("plugins", "enable", "level_watch", as_login="li")
    assert refused.exit_code == 1
    assert "level_watch" not in lifecycle.upgrade(crm_deployment)


def test_every_table_is_under_the_visibility_policy() -> None:
    from crm_core.contract.testing import assert_tables_scoped
    from crm_level_watch.plugin import plugin

    assert_tables_scoped(plugin)
