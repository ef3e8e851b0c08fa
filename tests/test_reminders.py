"""Reminders: own items, a manager's view of the team's overdue items, the digest and its
delivery (the core's outbox folder, and a plugin's delivery hook)."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from crm_core.contract.testing import CliResult
from crm_core.features import reminders
from crm_core.features.reports import dashboard
from crm_core.foundation.errors import PluginError
from crm_core.kernel import lifecycle
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.plugins import HookRelay
from crm_core.services import customers, interactions
from crm_test_plugin import plugin as test_plugin
from crm_test_plugin.models import Note
from tests.conftest import Org

#: The day reminders are asked for: a few days after the calls, which are logged now.
TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=5)
DAY = TODAY.isoformat()


def plan(org: Org, login: str, days_from_today: int) -> None:
    """`login` calls their customer now, planning the next contact `days_from_today` from TODAY."""
    assert days_from_today >= -5
    with org.work(login, write=True) as ctx:
        interactions.log(
            ctx,
            str(org.customer_of[login]),
            "call",
            notes=f"{login} plans",
            next_contact_on=TODAY + timedelta(days=days_from_today),
        )


def people(rows: list[dict[str, object]]) -> list[tuple[object, object]]:
    return [(r["person"], r["overdue_days"]) for r in rows]


def test_a_manager_sees_their_own_items_and_the_teams_overdue_ones(org: Org) -> None:
    plan(org, "sh_sales1", -3)  # overdue
    plan(org, "sh_sales2", 0)  # due today: not overdue, so not the manager's business
    plan(org, "east_sales", -1)  # overdue, outside 上海组
    plan(org, "sh_mgr", -2)  # the manager's own
    with org.work("sh_mgr") as ctx:
        rows = reminders.collect(ctx, TODAY)
    assert people(rows) == [("sh_mgr", 2), ("sh_sales1", 3)]
    with org.work("east_mgr") as ctx:  # 华东区 contains 上海组
        assert people(reminders.collect(ctx, TODAY)) == [  # oldest first
            ("sh_sales1", 3),
            ("sh_mgr", 2),
            ("east_sales", 1),
        ]
    with org.work("sh_sales1") as ctx:  # a seller: only their own
        assert people(reminders.collect(ctx, TODAY)) == [("sh_sales1", 3)]
    with org.work("south_mgr") as ctx:
        assert reminders.collect(ctx, TODAY) == []


def test_the_digest_has_overdue_today_and_team_sections(org: Org) -> None:
    plan(org, "sh_sales1", -3)
    plan(org, "sh_mgr", 0)
    with org.work("sh_mgr") as ctx:
        digest = reminders.digest(ctx, TODAY)
    assert digest.subject == f"Reminders for 上海组长 on {DAY}: 2 item(s)"
    sections = digest.text.split("\n\n")
    assert sections[1].startswith("Due today (1)")
    assert sections[2].startswith("Overdue in your team (1)")
    assert (
        f"sh_sales1 {TODAY - timedelta(days=3)} [follow-up] sh_sales1 的客户有限公司" in sections[2]
    )
    assert "(3 days overdue)" in sections[2]
    assert "Overdue (" not in digest.text.replace("Overdue in your team", "")


def test_send_writes_to_the_outbox_and_fails_cleanly_without_one(
    org: Org, crm_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    plan(org, "sh_sales1", -1)
    refused = crm_cli("reminders", "--send", "--date", DAY, as_login="sh_sales1")
    assert refused.exit_code != 0
    assert "reminders_outbox" in refused.stderr and len(refused.stderr.splitlines()) == 1
    with org.work("admin", write=True) as ctx:
        ctx.settings.set("reminders_outbox", str(tmp_path))
    sent = crm_cli("reminders", "--as", "sh_sales1", "--send", "--date", DAY)
    assert sent.exit_code == 0, sent.stderr
    written = tmp_path / f"{DAY}-sh_sales1.txt"
    assert str(written) in sent.output
    body = written.read_text(encoding="utf-8")
    assert body.startswith(f"Subject: Reminders for 上海销售一 on {DAY}: 1 item(s)")
    assert "sh_sales1 的客户有限公司" in body
    printed = crm_cli("reminders", "--as", "sh_sales1", "--digest", "--date", DAY)
    assert printed.output == body.split("\n\n", 1)[1]


def test_a_digest_in_json_is_the_text_and_the_items(
    org: Org, crm_cli: Callable[..., CliResult]
) -> None:
    """`--digest --format json`: one object a script can send its own way (its text the same
    as the plain digest, its items those `crm reminders --format json` lists); csv is refused."""
    plan(org, "sh_mgr", 0)
    plan(org, "sh_sales1", -1)
    args = ("reminders", "--as", "sh_mgr", "--date", DAY)
    digest = crm_cli(*args, "--digest", "--format", "json")
    assert digest.exit_code == 0, digest.stderr
    sent = digest.json()
    assert set(sent) == {"login", "name", "email", "on", "subject", "text", "items"}
    assert (sent["login"], sent["on"]) == ("sh_mgr", DAY)
    assert sent["text"] == crm_cli(*args, "--digest").output
    assert sent["subject"] == sent["text"].splitlines()[0]
    listed = crm_cli(*args, "--format", "json").json()
    assert sent["items"] == listed and len(listed) == 2
    refused = crm_cli(*args, "--digest", "--format", "csv")
    assert refused.exit_code != 0 and len(refused.stderr.strip().splitlines()) == 1
    assert "--format csv" in refused.stderr


def test_a_plugin_delivers_digests(org: Org) -> None:
    from crm_test_plugin import plugin

    plugin.DELIVERED.clear()
    lifecycle.enable(org.deployment, org.deployment.resolve_actor("admin"), ["test_plugin"])
    plan(org, "east_sales", -5)
    with org.work("east_sales") as ctx:
        places = reminders.deliver(ctx, reminders.digest(ctx, TODAY))
    assert places == ["test_plugin:east_sales"]
    assert plugin.DELIVERED[0][0] == "east_sales" and "5 days overdue" in plugin.DELIVERED[0][1]


def test_reminders_for_someone_you_do_not_manage_are_refused(
    org: Org, crm_cli: Callable[..., CliResult]
) -> None:
    result = crm_cli("reminders", "--for", "south_sales", as_login="sh_mgr")
    assert result.exit_code != 0 and "may not read reminders" in result.stderr
    ok = crm_cli("reminders", "--for", "sh_sales1", "--format", "json", as_login="east_mgr")
    assert ok.exit_code == 0 and isinstance(ok.json(), list)


def test_a_limit_keeps_the_earliest_items_of_each_kind(crm_deployment: Deployment) -> None:
    """Six follow-ups (the core's collector honours the limit in SQL) and six notes (the test
    plugin's collector ignores `limit`: the core trims its list the same way)."""
    lifecycle.enable(crm_deployment, crm_deployment.resolve_actor("admin"), ["test_plugin"])
    with crm_deployment.work("admin", write=True) as ctx:
        for n in range(6):
            customer = customers.create(ctx, {"name": f"提醒上限{n}号公司"})
            interactions.log(
                ctx, str(customer.id), "call", next_contact_on=TODAY - timedelta(days=n)
            )
            ctx.session.add(Note(customer_id=customer.id, text=f"TODO 回访 {n}"))
    with crm_deployment.work("admin") as ctx:
        everything = reminders.collect(ctx, TODAY)
        limited = reminders.collect(ctx, TODAY, limit=2)
        digest = reminders.digest(ctx, TODAY, limit=1)
    assert Counter(r["kind"] for r in everything) == {"follow-up": 6, "note": 6}
    assert Counter(r["kind"] for r in limited) == {"follow-up": 2, "note": 2}
    follow_ups = [r["due_on"] for r in limited if r["kind"] == "follow-up"]
    earliest = sorted(r["due_on"] for r in everything if r["kind"] == "follow-up")[:2]
    assert follow_ups == earliest
    assert len(digest.items) == 2


def test_the_dashboard_asks_each_collector_for_a_bounded_list(
    crm_deployment: Deployment, crm_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    with crm_deployment.work("admin", write=True) as ctx:
        for n in range(dashboard.REMINDER_ROWS + 10):
            customer = customers.create(ctx, {"name": f"看板提醒{n}号公司"})
            interactions.log(
                ctx, str(customer.id), "call", next_contact_on=TODAY - timedelta(days=n % 6)
            )
    page = tmp_path / "dashboard.html"
    assert crm_cli("dashboard", str(page), "--date", DAY, as_login="admin").exit_code == 0
    assert page.read_text(encoding="utf-8").count("看板提醒") == dashboard.REMINDER_ROWS
    listed = crm_cli(
        "reminders", "--date", DAY, "--limit", "7", "--format", "json", as_login="admin"
    )
    assert listed.exit_code == 0 and len(listed.json()) == 7
    assert "--all lists them all" in listed.stderr
    refused = crm_cli("reminders", "--limit", "0", as_login="admin")
    assert refused.exit_code == 2 and "--limit" in refused.stderr
    # Without --limit, the dashboard's 50 of each kind and a line saying so; --all: every one.
    default = crm_cli("reminders", "--date", DAY, "--format", "json", as_login="admin")
    assert default.exit_code == 0 and len(default.json()) == dashboard.REMINDER_ROWS
    assert "at most 50 items of each kind" in default.stderr
    everything = crm_cli("reminders", "--date", DAY, "--all", "--format", "csv", as_login="admin")
    assert everything.exit_code == 0 and everything.stderr == ""
    assert len(everything.output.strip().splitlines()) == 1 + dashboard.REMINDER_ROWS + 10
    roomy = crm_cli(
        "reminders", "--date", DAY, "--limit", "100", "--format", "csv", as_login="admin"
    )
    assert roomy.exit_code == 0 and roomy.stderr == ""  # every kind under its limit: no line
    assert len(roomy.output.strip().splitlines()) == 1 + dashboard.REMINDER_ROWS + 10
    both = crm_cli("reminders", "--all", "--limit", "5", as_login="admin")
    assert both.exit_code != 0 and len(both.stderr.strip().splitlines()) == 1
    assert "--all and --limit" in both.stderr


def test_a_managers_whole_team_costs_one_call_per_collector(org: Org) -> None:
    """east_mgr manages five people; each collector is asked twice: about him, then about all
    of them at once, and every item still names its person."""
    lifecycle.enable(org.deployment, org.deployment.resolve_actor("admin"), ["test_plugin"])
    plan(org, "sh_sales1", -3)
    plan(org, "east_sales", -1)
    test_plugin.CALLS.clear()
    with org.work("east_mgr") as ctx:
        rows = reminders.collect(ctx, TODAY)
    assert [call for call in test_plugin.CALLS if call[0] == "crm_collect_reminders"] == [
        ("crm_collect_reminders", None)
    ] * 2
    assert people(rows) == [("sh_sales1", 3), ("east_sales", 1)]


def test_a_team_reminder_must_name_a_person_who_was_asked_about(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Asked about several people, a collector's reminder without `person_id`, or for someone
    else, cannot be attributed: a PluginError, not an item shown under the wrong name."""
    stranger = org.deployment.resolve_actor("south_sales").id
    for person in (None, stranger):
        item = reminders.Reminder(TODAY, "note", "hello", "某客户", "odd_plugin", person)

        def collect(self: HookRelay, hook_name: str, item: object = item, **kwargs: object) -> list:
            return [item] if hook_name == "crm_collect_reminders" else []

        monkeypatch.setattr(HookRelay, "collect", collect)
        with pytest.raises(PluginError, match="odd_plugin"), org.work("east_mgr") as ctx:
            reminders.collect(ctx, TODAY)


@pytest.mark.parametrize("login", ["admin", "boss", "east_mgr", "sh_sales1"])
def test_a_page_read_by_parallel_jobs_equals_one_read_in_the_callers_transaction(
    org: Org, login: str
) -> None:
    """Each job opens its own unit of work for the same person: same tiles, same order, same
    visibility as reading them one after another."""
    plan(org, "sh_sales1", -2)
    plan(org, "east_sales", 0)

    def drawn(workers: int) -> list[tuple[object, ...]]:
        with org.work(login) as ctx:
            tiles = dashboard.tiles(ctx, TODAY, workers=workers)
        return [(t.name, t.params, t.columns, t.rows, t.total_rows, t.chart) for t in tiles]

    alone = drawn(1)
    assert alone and drawn(3) == alone
    with org.work(login) as ctx:
        page = dashboard.html(ctx, TODAY, workers=2)
        due = reminders.collect(ctx, TODAY, limit=dashboard.REMINDER_ROWS)
    shown = html.unescape(page)
    assert due or login == "admin"  # the admin is nobody's person
    assert all(str(row["what"]) in shown for row in due)
