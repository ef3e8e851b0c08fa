"""The `crm` command line: one-line errors, stable JSON, plugin commands per deployment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_core.cli.output import json_chunks, json_text
from crm_core.kernel import lifecycle
from crm_core.kernel.deployment import Deployment

CRM = str(Path(sys.executable).parent / "crm")


def crm(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CRM, *args], capture_output=True, text=True, env={**os.environ, **(env or {})}
    )


def test_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    missing = crm("--db", db, "customers", "list")
    assert missing.returncode == 1
    assert missing.stderr.strip().count("\n") == 0 and "crm init" in missing.stderr
    assert not (tmp_path / "x.db").exists()  # looking did not create a database
    assert crm("--db", db, "init").returncode == 0
    for args in (
        ["customers", "show", "404"],
        ["--as", "nobody", "customers", "list"],
        ["customers", "add", "   "],
        ["users", "add", "x", "--name", "X", "--role", "manager"],
        ["import", "customers", str(tmp_path / "missing.xlsx")],
        ["report", "run", "no-such-report"],
        ["plugins", "enable", "no_such_plugin"],
        ["config", "set", "timezone", "Mars/Olympus"],
    ):
        result = crm("--db", db, *args)
        assert result.returncode != 0, args
        assert "Traceback" not in result.stderr, args
        assert result.stderr.strip().count("\n") == 0, (args, result.stderr)
        assert result.stderr.startswith("error: "), (args, result.stderr)
    unreachable = crm("--db", "postgresql://nobody@127.0.0.1:1/none", "customers", "list")
    assert unreachable.returncode == 1 and "Traceback" not in unreachable.stderr
    assert unreachable.stderr.strip().count("\n") == 0


def test_chinese_messages(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'zh.db'}"
    crm("--db", db, "init")
    crm("--db", db, "customers", "add", "中文公司")
    again = crm("--db", db, "customers", "add", "中文公司", env={"CRM_LANG": "zh"})
    assert again.returncode == 1 and "已由" in again.stderr


def test_json_output_is_stable(crm_cli) -> None:
    assert (
        crm_cli(
            "customers",
            "add",
            "杭州云帆网络科技有限公司",
            "--industry",
            "互联网",
            "--phone",
            "0571-8888 1234",
        ).exit_code
        == 0
    )
    listed = crm_cli("customers", "list", "--format", "json").json()
    assert listed == [
        {
            "id": 1,
            "name": "杭州云帆网络科技有限公司",
            "kind": "customer",
            "level": "lead",
            "industry": "互联网",
            "region": None,
            "phone": "0571-8888 1234",
            "owner": "admin",
        }
    ]
    shown = crm_cli("customers", "show", "杭州云帆网络科技", "--format", "json").json()
    assert shown["owner"] == "admin"
    assert [s["title"] for s in shown["sections"]] == [
        "Contacts",
        "Recent interactions",
        "Ownership",
    ]
    csv_out = crm_cli("customers", "list", "--format", "csv").output.splitlines()
    assert csv_out[0] == "id,name,kind,level,industry,region,phone,owner"


def test_people_and_activity_commands(crm_cli) -> None:
    assert crm_cli("teams", "add", "销售部").exit_code == 0
    assert crm_cli("teams", "add", "一组", "--parent", "销售部").exit_code == 0
    assert (
        crm_cli(
            "users", "add", "mgr", "--name", "经理", "--role", "manager", "--team", "销售部"
        ).exit_code
        == 0
    )
    assert crm_cli("users", "add", "rep", "--name", "业务员", "--team", "一组").exit_code == 0
    assert crm_cli("customers", "add", "甲方公司", as_login="rep").exit_code == 0
    assert (
        crm_cli(
            "contacts", "add", "甲方公司", "赵六", "--title", "总经理", as_login="rep"
        ).exit_code
        == 0
    )
    logged = crm_cli(
        "interactions",
        "log",
        "甲方公司",
        "--kind",
        "visit",
        "--contact",
        "赵六",
        "--notes",
        "演示产品",
        "--next",
        "2099-01-01",
        as_login="rep",
    )
    assert logged.exit_code == 0, logged.stderr
    teams = crm_cli("teams", "list", "--format", "json").json()
    assert [(t["name"], t["depth"]) for t in teams] == [("销售部", 0), ("一组", 1)]
    history = crm_cli(
        "interactions", "list", "--team", "销售部", "--format", "json", as_login="mgr"
    ).json()
    assert [(h["customer"], h["user"], h["kind"]) for h in history] == [
        ("甲方公司", "rep", "visit")
    ]
    per_day = crm_cli(
        "interactions", "list", "--team", "销售部", "--by-day", "--format", "json", as_login="mgr"
    ).json()
    assert per_day[0]["count"] == 1 and per_day[0]["user"] == "rep"
    assert (
        crm_cli("reminders", "--date", "2098-12-31", "--format", "json", as_login="rep").json()
        == []
    )
    due = crm_cli("reminders", "--date", "2099-01-03", "--format", "json", as_login="rep").json()
    assert [(d["customer"], d["kind"], d["overdue_days"]) for d in due] == [
        ("甲方公司", "follow-up", 2)
    ]
    other = crm_cli("contacts", "list", "--format", "json", as_login="mgr").json()
    assert [c["name"] for c in other] == ["赵六"]
    transfer = crm_cli(
        "customers", "transfer", "--from", "rep", "--to", "mgr", "--format", "json", as_login="mgr"
    )
    assert transfer.exit_code == 0, transfer.stderr
    assert {r["what"]: r["count"] for r in transfer.json()} == {
        "customers": 1,
        "contacts": 1,
        "interactions": 1,
        "open follow-ups": 0,
    }
    assert crm_cli("customers", "list", "--format", "json", as_login="rep").json() == []


def test_plugin_commands_exist_only_where_enabled(crm_cli, crm_deployment: Deployment) -> None:
    before = crm_cli("notes", "count")
    assert before.exit_code == 2 and "No such command" in before.stderr
    assert crm_cli("plugins", "enable", "test_plugin").exit_code == 0
    assert crm_cli("customers", "add", "插件公司").exit_code == 0
    assert crm_cli("notes", "count").output.strip() == "1"
    listing = {p["name"]: p for p in crm_cli("plugins", "list", "--format", "json").json()}
    assert listing["test_plugin"]["enabled"] is True
    assert (
        listing["needy_plugin"]["enabled"] is False and listing["needy_plugin"]["installed"] is True
    )
    assert listing["broken_plugin"]["status"].startswith("broken:")
    info = crm_cli("plugins", "info", "test_plugin", "--format", "json").json()
    assert info["tables"] == ["tp_note"] and info["title_zh"] == "测试插件"
    assert crm_cli("plugins", "disable", "test_plugin").exit_code == 0
    assert crm_cli("notes", "count").exit_code == 2


def test_enable_requires_admin_and_reports_missing_requirements(crm_cli) -> None:
    refused = crm_cli("plugins", "enable", "needy_plugin")
    assert refused.exit_code == 1 and "--with-deps" in refused.stderr
    assert crm_cli("plugins", "enable", "needy_plugin", "--with-deps").exit_code == 0
    crm_cli("users", "add", "rep", "--name", "Rep")
    assert crm_cli("plugins", "disable", "needy_plugin", as_login="rep").exit_code == 1


def test_config_and_audit(crm_cli) -> None:
    assert crm_cli("config", "set", "timezone", "Asia/Urumqi").exit_code == 0
    assert crm_cli("config", "get", "timezone").output.strip() == "Asia/Urumqi"
    keys = {r["key"] for r in crm_cli("config", "list", "--format", "json").json()}
    assert {"timezone", "currency", "default_actor"} <= keys
    crm_cli("users", "add", "rep", "--name", "Rep")
    assert crm_cli("config", "set", "currency", "USD", as_login="rep").exit_code == 1
    assert crm_cli("audit", as_login="rep").exit_code == 1
    assert crm_cli("users", "grant", "rep", "audit-reader").exit_code == 0
    assert crm_cli("users", "grant", "rep", "no-such-permission").exit_code == 1
    entries = crm_cli("audit", "--entity", "crm_setting", "--format", "json", as_login="rep").json()
    assert entries and entries[0]["action"] == "create"


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_every_list_command_accepts_every_format(crm_cli, fmt: str) -> None:
    for args in (
        ["users", "list"],
        ["teams", "list"],
        ["customers", "list"],
        ["contacts", "list"],
        ["interactions", "list"],
        ["products", "list"],
        ["plugins", "list"],
        ["report", "list"],
        ["reminders"],
        ["config", "list"],
    ):
        result = crm_cli(*args, "--format", fmt)
        assert result.exit_code == 0, (args, result.stderr)
        if fmt == "json":
            assert isinstance(json.loads(result.output), list)


def test_upgrade_runs_every_enabled_branch(crm_cli, crm_deployment: Deployment) -> None:
    lifecycle.enable(crm_deployment, crm_deployment.resolve_actor("admin"), ["test_plugin"])
    result = crm_cli("upgrade")
    assert result.exit_code == 0 and "crm_core, test_plugin" in result.output


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.dates(),
)
_VALUES = st.one_of(
    _SCALARS,
    st.lists(_SCALARS, max_size=3),
    st.dictionaries(st.text(max_size=3), _SCALARS, max_size=2),
)


@settings(max_examples=300, deadline=None)  # a slow moment is not a failure
@given(
    st.integers(0, 3).flatmap(
        lambda n: st.tuples(
            st.just([f"列{i}" for i in range(n)]), st.lists(st.tuples(*[_VALUES] * n), max_size=4)
        )
    )
)
def test_json_printed_row_by_row_is_the_text_of_the_records(
    case: tuple[list[str], list[tuple[object, ...]]],
) -> None:
    """`crm report run --format json` writes a million rows one object at a time: the text is
    exactly what `json.dumps` of all the records gives (amounts, dates, lists, Chinese keys)."""
    columns, rows = case
    records = [dict(zip(columns, row, strict=True)) for row in rows]
    assert "".join(json_chunks(columns, rows)) == json_text(records, columns)
