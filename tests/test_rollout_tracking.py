"""Rollout tracking: indicators computed as of a day (checked against raw rows), goals of one to
three indicators, baselines from snapshots or computed, status, the phase review page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError

from crm_core.contract.testing import CliResult
from crm_core.features import demo_data as demo
from crm_core.features.customers import plugin as builtin
from crm_core.features.tracking import goals as tracking
from crm_core.features.tracking import indicators
from crm_core.foundation.errors import CrmError, NotFound, PermissionDenied, ValidationError
from crm_core.foundation.schema import table_of
from crm_core.foundation.types import utcnow
from crm_core.hooks.indicators import Indicator
from crm_core.kernel import lifecycle
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import Customer, GoalIndicator, IndicatorSnapshot, Interaction
from crm_core.services import customers
from tests.test_reports import parse_page

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = datetime.now(ZONE).date()
GO_LIVE = TODAY - timedelta(days=100)


@pytest.fixture
def live(crm_deployment: Deployment) -> Deployment:
    """Demo data, and test_plugin enabled as the block under watch, live for 100 days."""
    with crm_deployment.work("admin", write=True) as ctx:
        demo.seed(ctx, scale=2, seed_value=11)
    lifecycle.enable(crm_deployment, crm_deployment.resolve_actor("admin"), ["test_plugin"])
    with crm_deployment.work("admin", write=True) as ctx:
        tracking.set_go_live(ctx, "test_plugin", GO_LIVE)
    return crm_deployment


def coverage_by_hand(deployment: Deployment, day: date) -> Decimal:
    end = datetime.combine(day + timedelta(days=1), time.min, ZONE)
    start = end - timedelta(days=30)

    def moment(value: datetime | str) -> datetime:
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))

    with deployment.engine.connect() as conn:
        created = {
            cid: moment(at)
            for cid, at in conn.execute(text("SELECT id, created_at FROM crm_customer"))
        }
        touched = {
            cid
            for cid, at in conn.execute(
                text("SELECT customer_id, occurred_at FROM crm_interaction")
            )
            if start <= moment(at) < end and created[cid] < end
        }
    existing = [c for c, at in created.items() if at < end]
    return (Decimal(len(touched)) * 100 / len(existing)).quantize(Decimal("0.01"))


def test_contact_coverage_as_of_any_day_matches_the_raw_rows(live: Deployment) -> None:
    with live.work("admin") as ctx:
        indicator = indicators.lookup(ctx, "contact-coverage")
        for day in (TODAY - timedelta(days=200), GO_LIVE, TODAY):
            assert indicator.value_on(ctx, day) == coverage_by_hand(live, day), day


def test_todays_coverage_counts_newest_interactions_only_when_that_is_exact(
    live: Deployment,
) -> None:
    """Today's coverage reads each customer's newest interaction (no interaction or customer
    lies after the day), a past day's reads the interactions; a customer's interaction dated
    after the day sends today's back to the interactions too; the figures match raw rows."""
    with live.work("admin", write=True) as ctx:  # newest contacts just inside and outside
        end = indicators.day_end(ctx, TODAY)
        start = end - timedelta(days=30)
        for name, moment in (
            ("窗口内", start + timedelta(hours=1)),
            ("窗口外", start - timedelta(hours=1)),
        ):
            cid = customers.create(ctx, {"name": f"{name}客户"}).id
            ctx.session.execute(
                insert(table_of(Interaction)).values(
                    customer_id=cid, user_id=ctx.actor.id, kind="call", occurred_at=moment
                )
            )
    with live.work("admin") as ctx:
        assert builtin._touched_by_newest(ctx, start, end) is not None
        indicator = indicators.lookup(ctx, "contact-coverage")
        assert indicator.value_on(ctx, TODAY) == coverage_by_hand(live, TODAY)
        past = indicators.day_end(ctx, GO_LIVE)
        assert builtin._touched_by_newest(ctx, past - timedelta(days=30), past) is None
        customer = ctx.session.scalars(select(Customer.id).order_by(Customer.id)).first()
    with live.work("admin", write=True) as ctx:  # a visit planned for next week, logged ahead
        ctx.session.execute(
            insert(table_of(Interaction)).values(
                customer_id=customer,
                user_id=ctx.actor.id,
                kind="visit",
                occurred_at=end + timedelta(days=7),
                created_at=utcnow(),
            )
        )
    with live.work("admin") as ctx:
        assert builtin._touched_by_newest(ctx, start, end) is None
        indicator = indicators.lookup(ctx, "contact-coverage")
        assert indicator.value_on(ctx, TODAY) == coverage_by_hand(live, TODAY)


def test_goals_take_one_to_three_known_indicators(live: Deployment) -> None:
    with live.work("admin", write=True) as ctx:
        add = tracking.add_goal
        with pytest.raises(ValidationError, match="one to 3"):
            add(ctx, "test_plugin", "none", [])
        with pytest.raises(ValidationError, match="one to 3"):
            add(ctx, "test_plugin", "four", ["contact-coverage", "new-customers", "a", "b"])
        with pytest.raises(ValidationError, match="No indicator"):
            add(ctx, "test_plugin", "typo", ["contact-coverag"])
        with pytest.raises(ValidationError, match="once"):
            add(ctx, "test_plugin", "twice", ["new-customers", "new-customers"])
        with pytest.raises(ValidationError, match="does not use"):
            add(ctx, "test_plugin", "t", ["new-customers"], {"contact-coverage": Decimal(1)})
        with pytest.raises(NotFound):
            add(ctx, "channel_commerce", "not enabled", ["new-customers"])
        goal = add(ctx, "test_plugin", "覆盖客户", ["contact-coverage", "new-customers"])
        assert [i.indicator for i in goal.indicators] == ["contact-coverage", "new-customers"]
        with pytest.raises(ValidationError, match="already has a goal"):
            add(ctx, "test_plugin", "覆盖客户", ["new-customers"])
    with live.work("li", write=True) as ctx, pytest.raises(PermissionDenied):
        tracking.add_goal(ctx, "test_plugin", "mine", ["new-customers"])


def test_the_database_refuses_a_fourth_indicator(live: Deployment) -> None:
    with live.work("admin", write=True) as ctx:
        goal = tracking.add_goal(ctx, "test_plugin", "g", ["new-customers"])
        goal_id = goal.id
    with pytest.raises(IntegrityError), live.engine.begin() as conn:
        conn.execute(
            insert(table_of(GoalIndicator)),
            {"goal_id": goal_id, "position": 4, "indicator": "contact-coverage"},
        )


def test_status_baseline_previous_current_and_phase(live: Deployment) -> None:
    with live.work("admin", write=True) as ctx:
        tracking.add_goal(
            ctx, "test_plugin", "覆盖客户", ["contact-coverage"], {"contact-coverage": Decimal(99)}
        )
        tracking.snapshot(ctx, TODAY - timedelta(days=40))
    with live.work("admin") as ctx:
        [block] = tracking.status(ctx, TODAY)
    assert block["block"] == "test_plugin" and block["days_live"] == 100
    assert block["phase"] == "paying back"
    assert block["mark_90_on"] == GO_LIVE + timedelta(days=90)
    assert block["mark_180_on"] == GO_LIVE + timedelta(days=180)
    [row] = block["goals"][0]["indicators"]
    assert row["baseline"] == coverage_by_hand(live, GO_LIVE)
    assert row["baseline_source"] == "computed"
    assert row["previous_on"] == TODAY - timedelta(days=40)
    assert row["previous"] == coverage_by_hand(live, TODAY - timedelta(days=40))
    assert row["current"] == coverage_by_hand(live, TODAY)
    assert row["target_met"] is False
    expected = (
        "improved"
        if row["current"] > row["baseline"]
        else "worse"
        if row["current"] < row["baseline"]
        else "unchanged"
    )
    assert row["verdict"] == expected


def test_a_snapshot_at_go_live_is_the_baseline_even_after_the_data_changes(
    live: Deployment,
) -> None:
    with live.work("admin", write=True) as ctx:
        tracking.add_goal(ctx, "test_plugin", "覆盖客户", ["contact-coverage"])
        [stored] = tracking.snapshot(ctx, GO_LIVE)
        again = tracking.snapshot(ctx, GO_LIVE)  # the same day again: replaced, not added
        assert again == [stored]
    with live.engine.begin() as conn:  # history is rewritten: every interaction disappears
        conn.execute(text("DELETE FROM crm_interaction"))
        snapshots = conn.scalar(select(func.count()).select_from(table_of(IndicatorSnapshot)))
    assert snapshots == 1
    with live.work("admin") as ctx:
        row = tracking.status(ctx, TODAY)[0]["goals"][0]["indicators"][0]
    assert row["baseline_source"] == "snapshot" and row["baseline"] == stored["value"] > 0
    assert row["current"] == 0 and row["verdict"] == "worse" and row["trend"] == "down"


def test_a_baseline_dated_before_the_data_was_entered_is_zero_not_missing(
    crm_cli: Callable[..., CliResult], crm_deployment: Deployment
) -> None:
    """The block went live a week ago; its customers and salespeople were entered today and
    two visits logged: the go-live snapshot says nobody was contacted then (0), not 'no data'."""
    week_ago = (TODAY - timedelta(days=7)).isoformat()
    steps: list[tuple[str, tuple[str, ...]]] = [
        ("admin", ("users", "add", "li", "--name", "李明", "--role", "sales")),
        ("li", ("customers", "add", "导入的客户甲")),
        ("li", ("customers", "add", "导入的客户乙")),
        ("li", ("interactions", "log", "导入的客户甲", "--kind", "visit")),
        ("li", ("interactions", "log", "导入的客户甲", "--kind", "call")),
        ("admin", ("plugins", "enable", "test_plugin")),
        ("admin", ("rollout", "go-live", "test_plugin", week_ago)),
        ("admin", ("rollout", "goals", "add", "test_plugin", "有人跟", "-i", "contact-coverage")),
        (
            "admin",
            ("rollout", "goals", "add", "test_plugin", "勤联系", "-i", "interactions-per-seller"),
        ),
        ("admin", ("rollout", "snapshot", "--date", week_ago)),
    ]
    for login, args in steps:
        result = crm_cli(*args, as_login=login)
        assert result.exit_code == 0, (args, result.stderr)
    status = crm_cli("rollout", "status", "--format", "json", as_login="admin").json()
    (block,) = [b for b in status if b["block"] == "test_plugin"]
    rows = {r["indicator"]: r for goal in block["goals"] for r in goal["indicators"]}
    assert rows["contact-coverage"]["baseline"] == "0.00"
    assert rows["interactions-per-seller"]["baseline"] == "0.00"
    assert rows["contact-coverage"]["current"] == "50.00"
    assert rows["interactions-per-seller"]["current"] == "2.00"
    assert {r["verdict"] for r in rows.values()} == {"improved"}


def test_lower_is_better_indicators_improve_when_they_fall() -> None:
    def never(ctx: object, day: date) -> None:
        return None

    days = Indicator("days", "Days", never, better="lower")
    assert tracking._verdict(days, Decimal(40), Decimal(30)) == "improved"
    assert tracking._verdict(days, Decimal(30), Decimal(40)) == "worse"
    assert tracking._verdict(days, Decimal(30), Decimal(30)) == "unchanged"
    assert tracking._verdict(days, None, Decimal(30)) == "no data"
    assert tracking._target_met(days, Decimal(35), Decimal(30)) is True
    assert [tracking.phase(d) for d in (-1, 0, 89, 90, 179, 180)] == [
        "not live yet",
        "proving value",
        "proving value",
        "paying back",
        "paying back",
        "past 180 days",
    ]


def test_rollout_commands(
    live: Deployment, crm_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    added = crm_cli(
        "rollout", "goals", "add", "test_plugin", "客户有人跟进",
        "-i", "contact-coverage", "-i", "new-customers", "--target", "contact-coverage=50",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    listed = crm_cli("rollout", "goals", "list", "--format", "json").json()
    assert listed[0]["indicators"] == ["contact-coverage=50", "new-customers"]
    snap = crm_cli("rollout", "snapshot", "--date", (TODAY - timedelta(days=30)).isoformat())
    assert snap.exit_code == 0, snap.stderr
    status = crm_cli("rollout", "status", "--format", "json").json()
    assert status[0]["goals"][0]["indicators"][0]["target"] == "50.00"
    table = crm_cli("rollout", "status")
    assert "test_plugin: live since" in table.output and "day 100" in table.output
    met = status[0]["goals"][0]["indicators"][0]["target_met"]
    csv_rows = crm_cli("rollout", "status", "--format", "csv").output.splitlines()
    header, first, second = csv_rows[0].split(","), csv_rows[1].split(","), csv_rows[2].split(",")
    column = header.index("target_met")
    assert first[column] == ("yes" if met else "no")
    assert second[column] == ""  # new-customers has no target

    out = tmp_path / "review.html"
    report = crm_cli("rollout", "report", str(out))
    assert report.exit_code == 0, report.stderr
    page = parse_page(out)
    goal_table = next(rows for rows in page.tables.values() if rows[0][0] == "indicator")
    assert goal_table[0][1:3] == [GO_LIVE.isoformat(), (TODAY - timedelta(days=30)).isoformat()]
    assert [r[0] for r in goal_table[1:]] == [
        "Customers contacted in the last 30 days (%)",
        "New customers in the last 30 days (count)",
    ]
    html = out.read_text(encoding="utf-8")
    assert "What improved" in html and "What did not" in html and "客户有人跟进" in html
    assert html.count("<svg") == 2 and page.scripts == 0

    for args in (("rollout", "status"), ("rollout", "snapshot"), ("rollout", "report", "x.html")):
        refused = crm_cli(*args, as_login="li")
        assert refused.exit_code != 0 and "for admins" in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1
    bad = crm_cli(
        "rollout", "goals", "add", "test_plugin", "x", "-i", "new-customers", "--target", "x"
    )
    assert bad.exit_code != 0 and "INDICATOR=NUMBER" in bad.stderr
    assert crm_cli("rollout", "goals", "remove", "99").exit_code != 0
    assert crm_cli("rollout", "go-live", "nope", "2026-01-01").exit_code != 0
    ahead = TODAY + timedelta(days=12)
    assert crm_cli("rollout", "go-live", "test_plugin", ahead.isoformat()).exit_code == 0
    planned = crm_cli("rollout", "status").output
    assert f"test_plugin: goes live on {ahead.isoformat()}, in 12 days;" in planned
    assert "live since" not in planned and "day -" not in planned


def test_a_block_without_goals_and_the_default_go_live(
    crm_deployment: Deployment, crm_cli: Callable[..., CliResult]
) -> None:
    lifecycle.enable(crm_deployment, crm_deployment.resolve_actor("admin"), ["test_plugin"])
    with crm_deployment.work("admin") as ctx:
        [block] = tracking.status(ctx, ctx.today())
        assert block["go_live_on"] == ctx.today() and block["goals"] == []
        assert block["value_shown"] is None
    assert "No goals yet" in crm_cli("rollout", "status").output
    with pytest.raises(CrmError), crm_deployment.work("li") as ctx:
        tracking.status(ctx, ctx.today())
