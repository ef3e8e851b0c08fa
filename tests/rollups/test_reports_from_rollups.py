"""Reports read rollups and give the figures the source rows give: whole runs, first rows,
the largest first, per team, and through the visibility policy.

Each test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import (
    delete,
    event,
    func,
    select,
)

from crm_core.features import reminders
from crm_core.features.reports import engine as reports
from crm_core.features.rollups import RollupState
from crm_core.foundation.errors import ValidationError
from crm_core.foundation.schema import table_of
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import Customer, Team, User
from tests.rollups.world import (
    BASE,
    _ids,
    _own_pipeline,
    apply,
)

pytest.importorskip("crm_customer_resources")
from crm_customer_resources import reports as cr_reports

pytest.importorskip("crm_project_sales")


AGEING_BUCKETS = ["not_due", "1_30", "31_60", "61_90", "over_90"]
REPORTS = [
    ("interactions-per-day", {}),
    ("interactions-per-day", {"since": "2026-10-31", "until": "2026-11-02"}),
    ("interactions-per-day", {"by": "day", "logged_by": "team"}),
    ("interactions-per-day", {"by": "day", "since": "2026-10-31", "until": "2026-11-02"}),
    ("customers-by-segment", {"by": "level", "kind": "customer"}),
    ("customers-by-segment", {"by": "team", "kind": "customer"}),
    ("customers-by-segment", {"by": "level"}),
    ("customers-by-segment", {"by": "owner"}),
    ("customers-by-segment", {"by": "industry", "kind": "customer"}),
    ("customers-by-segment", {"by": "region"}),
    ("customers-by-segment", {"by": "kind"}),
    ("new-customers-by-month", {}),
    ("new-customers-by-month", {"since": "2026-10-01", "until": "2026-10-31"}),
    ("sales", {"by": "month"}),
    ("sales", {"by": "month,salesperson,industry"}),
    ("sales", {"by": "region,salesperson", "since": "2026-10-01"}),
    ("sales", {"by": "salesperson", "since": "2026-10-01", "until": "2026-10-31"}),
    ("sales", {"by": "industry,region"}),
    ("sales", {"by": "product"}),
    ("sales", {"by": "product", "since": "2026-10-01", "until": "2026-10-31"}),
    ("sales", {"by": "product", "since": "2026-10-03"}),
    ("customer-development", {"by": "industry"}),
    ("customer-development", {"by": "region", "since": "2026-10-01", "until": "2026-10-31"}),
    ("customer-development", {"by": "month"}),
    ("customer-development", {"by": "level", "since": "2026-10-01"}),
    ("customer-development", {"by": "owner"}),
    ("customer-development", {"by": "team"}),
    ("customer-development", {"by": "industry", "since": "2026-10-05"}),
    ("customer-development", {"by": "grade"}),
    ("customer-development", {"by": "grade", "since": "2026-10-01", "until": "2026-10-31"}),
    ("customer-development", {"by": "grade", "since": "2026-10-05"}),
    ("salesperson-activity", {}),
    ("salesperson-activity", {"logged_by": "team", "since": "2026-10-31"}),
    ("salesperson-activity", {"by": "salesperson", "logged_by": "team"}),
    ("salesperson-activity", {"by": "salesperson", "since": "2026-11-01"}),
    ("salesperson-activity", {"since": "2026-10-31", "until": "2026-11-01"}),
    ("salesperson-activity", {"by": "team", "logged_by": "team"}),
    ("salesperson-activity", {"by": "team", "since": "2026-11-01"}),
    # active days from whole months, from the days around them, and both (decision 0027)
    ("salesperson-activity", {"by": "salesperson", "since": "2026-10-01", "until": "2026-10-31"}),
    ("salesperson-activity", {"by": "salesperson", "since": "2026-10-31", "until": "2026-11-03"}),
    ("salesperson-activity", {"by": "salesperson", "since": "2026-10-15"}),
    ("salesperson-activity", {"by": "salesperson", "until": "2026-11-04"}),
    ("salesperson-activity", {"by": "salesperson", "since": "2026-09-15", "until": "2026-11-30"}),
    ("salesperson-activity", {"by": "team", "logged_by": "team", "since": "2026-10-02"}),
    # by team: the days of a cut month from the month rollup's sets, masked (and none inside)
    ("salesperson-activity", {"by": "team", "since": "2026-10-31", "until": "2026-11-03"}),
    ("salesperson-activity", {"by": "team", "logged_by": "team", "until": "2026-11-02"}),
    ("salesperson-activity", {"by": "team", "since": "2026-11-02", "until": "2026-11-02"}),
    ("salesperson-activity", {"by": "team", "since": "2026-11-25", "until": "2026-11-28"}),
    ("receivables-ageing", {"by": "salesperson"}),
    ("receivables-ageing", {"by": "salesperson", "on": "2026-11-12"}),
    ("receivables-ageing", {"by": "salesperson", "on": "2027-01-20"}),
    ("receivables-ageing", {"by": "salesperson", "on": "2027-03-15"}),
    ("receivables-ageing", {"by": "salesperson", "on": "2026-09-20"}),
    # the oldest edge early in October: that month is read whole into 61-90 days
    ("receivables-ageing", {"by": "salesperson", "on": "2027-01-03"}),
    ("pipeline", {"by": "month"}),
    ("pipeline", {"by": "owner"}),
    ("pipeline", {"by": "category"}),
    ("customers-by-segment", {"by": "team"}),
    ("sales", {"by": "team"}),
    ("sales", {"by": "month,team,industry"}),
    ("sales", {"by": "industry,team", "since": "2026-10-01", "until": "2026-10-31"}),
    ("sales", {"by": "region"}),
    ("receivables-ageing", {"by": "team"}),
    ("receivables-ageing", {"by": "team", "on": "2027-01-20"}),
    ("pipeline", {"by": "team"}),
    ("receipts", {"by": "month"}),
    ("receipts", {"by": "salesperson", "since": "2026-10-01", "until": "2026-11-30"}),
    ("receipts", {"by": "team"}),
    ("receipts", {"by": "industry"}),
    ("receipts", {"by": "region", "since": "2026-10-01", "until": "2026-11-30"}),
    # windows that split months: the whole months from a rollup, the days around from the rows
    ("sales", {"by": "month,salesperson,industry", "since": "2026-09-20", "until": "2026-11-05"}),
    ("sales", {"by": "team", "since": "2026-10-03"}),  # a cancelled order on the 4th
    ("sales", {"by": "month,team", "until": "2026-11-05"}),
    ("sales", {"by": "region", "since": "2026-09-20"}),
    ("sales", {"by": "month,team,industry", "since": "2026-09-03", "until": "2026-11-20"}),
    ("sales", {"by": "team,region", "since": "2026-09-20", "until": "2026-11-05"}),
    ("sales", {"by": "month", "since": "2026-10-05", "until": "2026-11-05"}),
    ("receipts", {"by": "salesperson", "since": "2026-10-20", "until": "2026-11-20"}),
    ("receipts", {"by": "industry", "since": "2026-10-05"}),
    ("receipts", {"by": "team", "until": "2026-11-20"}),
    ("receipts", {"by": "month", "since": "2026-10-20"}),
    ("receipts", {"by": "region", "since": "2026-10-20", "until": "2026-11-20"}),
    ("customer-development", {"by": "level", "since": "2026-10-31"}),
    ("customer-development", {"by": "owner", "until": "2026-11-05"}),
    ("customer-development", {"by": "team", "since": "2026-10-31", "until": "2026-11-05"}),
    ("customer-development", {"by": "industry", "since": "2026-09-30", "until": "2026-11-05"}),
    ("customer-development", {"by": "region", "since": "2026-10-31"}),
    ("customer-development", {"by": "month", "until": "2026-11-05"}),
    ("new-customers-by-month", {"since": "2026-10-31"}),
    ("customer-development", {"by": "grade", "since": "2026-09-30", "until": "2026-11-05"}),
    ("sales", {"by": "product", "since": "2026-09-20", "until": "2026-11-05"}),
    ("new-customers-by-month", {"since": "2026-09-30", "until": "2026-11-05"}),
]

#: Reports by a person and by their team: (name, the person's dimension, other parameters,
#: the columns that add up); any other column is a key (margin_pct, a ratio, is left out).
BY_TEAM = [
    ("customers-by-segment", "owner", {}, ["count"]),
    ("customer-development", "owner", {}, ["count"]),
    ("sales", "salesperson", {}, ["orders", "amount"]),
    ("sales", "salesperson", {"since": "2026-10-01", "until": "2026-10-20"}, ["orders", "amount"]),
    ("receipts", "salesperson", {}, ["payments", "amount"]),
    ("receivables-ageing", "salesperson", {}, [*AGEING_BUCKETS, "total"]),
    ("receivables-ageing", "salesperson", {"on": "2027-01-20"}, [*AGEING_BUCKETS, "total"]),
    ("pipeline", "owner", {}, ["projects", "amount", "weighted"]),
    ("project-profitability", "owner", {}, ["projects", "contract", "costs", "expenses", "profit"]),
]


@pytest.mark.parametrize("login", ["admin", "boss", "east_mgr", "sh_sales1", "south_sales"])
def test_reports_from_rollups_equal_reports_from_the_source_rows(
    world: Deployment, login: str
) -> None:
    """Each report that reads a rollup gives, for each person, exactly what the aggregation of
    the source rows they may see gives (the source path is taken when the rollup is unknown)."""
    _busy(world)
    due_by = (BASE + timedelta(days=9)).date()
    with world.work(login, write=True) as ctx:
        rolled = {(n, tuple(p.items())): reports.run(ctx, n, p) for n, p in REPORTS}
        assert len(next(iter(rolled.values())).rows) > 0 or login != "admin"
        due = reminders.collect(ctx, due_by)
        assert any(r["kind"] == "follow-up" for r in due) or login != "boss"
        assert any(r["kind"] == "dunning (team)" for r in due) or login != "boss"
        # The ageing without the totals per salesperson: every month read from the monthly
        # rollup (a deployment whose new rollup is not built yet).
        ctx.session.execute(delete(RollupState).where(RollupState.name == OWED_BY_SELLER))
        for (name, params), table in rolled.items():
            if name == "receivables-ageing":
                assert reports.run(ctx, name, dict(params)) == table, (name, params)
        ctx.session.execute(delete(RollupState))
        for (name, params), table in rolled.items():
            source = reports.run(ctx, name, dict(params))
            assert source == table, (name, params)
            # the same types too (a count read as 3.0 or Decimal("3") prints otherwise)
            kinds = {tuple(type(value) for value in row) for row in source.rows}
            assert kinds >= {tuple(type(value) for value in row) for row in table.rows}, name
        assert reminders.collect(ctx, due_by) == due
        ctx.session.rollback()


#: Reports whose rows can run to hundreds of thousands, which read their first rows alone
#: (`reports.first_rows`), beside every report of REPORTS (cut after the run if they do not).
LONG_REPORTS = [
    ("interactions-per-day", {"by": "salesperson"}),
    ("salesperson-activity", {"by": "day", "since": "2026-10-31"}),
    ("receivables-ageing", {"by": "customer"}),
    ("receivables-ageing", {"by": "customer", "on": "2027-01-20"}),
    ("project-monthly", {}),
    ("project-profitability", {"by": "customer"}),
]


@pytest.mark.parametrize("login", ["admin", "boss", "sh_sales1"])
def test_a_report_run_for_its_first_rows_gives_the_first_rows_of_the_whole_run(
    world: Deployment, login: str
) -> None:
    """`first=N` gives the whole run's first N rows, in its order, and says whether there are
    more, from rollups and from the source rows alike (a report's `first_rows` must limit only
    the query whose rows are its rows)."""
    _busy(world)
    with world.work(login, write=True) as ctx:
        for ready in (True, False):
            if not ready:
                ctx.session.execute(delete(RollupState))
            for name, params in [*REPORTS, *LONG_REPORTS]:
                whole = reports.run(ctx, name, params).rows
                for first in sorted({0, 1, 2, len(whole) // 2, len(whole)}):
                    table = reports.run(ctx, name, params, first=first)
                    assert list(table.rows) == list(whole[:first]), (name, params, first)
                    assert table.more == (len(whole) > first), (name, params, first)
        with pytest.raises(ValidationError, match="first must be 0 or more"):
            reports.run(ctx, "sales", {}, first=-1)
        ctx.session.rollback()


def test_first_rows_along_the_day_index_still_come_whole_when_rows_merge(
    world: Deployment,
) -> None:
    """A first-rows run reads the days up to the one 2N rollup rows along the day index; when
    those rows merge into N groups or fewer (one person's day on many owners' customers), it
    reads on, and the first rows and `more` stay those of the whole run."""
    _busy(world)
    day = datetime(2027, 3, 10, 4, tzinfo=UTC)  # noon in Shanghai, after everything else
    with world.engine.begin() as connection:
        users = [None, *_ids(connection, table_of(User))[:6]]
        for k in range(6):  # one person, six customers of (mostly) different owners: one group
            apply(connection, ("log", k, 2, day + timedelta(minutes=k)), users)
        apply(connection, ("log", 0, 2, day + timedelta(days=1)), users)
    window = {"since": "2027-03-10"}
    with world.work("admin") as ctx:
        for name, params in [
            ("interactions-per-day", {**window, "by": "salesperson"}),
            ("salesperson-activity", {**window, "by": "day"}),
        ]:
            whole = reports.run(ctx, name, params).rows
            assert len(whole) == 2, (name, whole)
            first = reports.run(ctx, name, params, first=1)
            assert list(first.rows) == list(whole[:1]) and first.more, name


def test_the_largest_debtors_first_sum_only_the_debtors_the_rollup_bounds(
    world: Deployment,
) -> None:
    """Ageing by customer asked for its first rows reads the N+1th largest debt from each
    customer's debt (`rollup_cr_owed_by_customer`) and sums the installments of the customers
    at or above it only, named by id; ties at that debt are all summed, so the order by name
    stays whole."""
    _busy(world)
    sent: list[str] = []

    def keep(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    params = {"by": "customer"}
    with world.work("boss") as ctx:
        whole = reports.run(ctx, "receivables-ageing", params).rows
        totals = [row[-1] for row in whole]
        assert len(set(totals)) < len(totals) > 4  # ties among the debts
        event.listen(world.engine, "before_cursor_execute", keep)
        try:
            for first in range(len(whole) + 1):
                sent.clear()
                table = reports.run(ctx, "receivables-ageing", params, first=first)
                assert list(table.rows) == list(whole[:first]), first
                summed = [s for s in sent if "FROM cr_installment" in s]
                assert len(summed) == 1, first
                assert re.search(r"cr_installment\.customer_id (IN|= ANY)", summed[0]), first
                bound = [s for s in sent if "SELECT rollup_cr_owed_by_customer.owed" in s]
                assert len(bound) == 1, first
        finally:
            event.remove(world.engine, "before_cursor_execute", keep)


def test_more_debtors_than_can_be_named_are_summed_from_every_unpaid_installment(
    world: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the number of debtors the ageing by customer names by id, it sums every unpaid
    installment the reader may see, as without the rollup: the same rows, first rows too."""
    _busy(world)
    params = {"by": "customer"}
    with world.work("boss") as ctx:
        whole = reports.run(ctx, "receivables-ageing", params).rows
        assert len(whole) > 3
        monkeypatch.setattr(cr_reports, "_NAMED_DEBTORS", 2)
        sent: list[str] = []

        def keep(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            sent.append(statement)

        event.listen(world.engine, "before_cursor_execute", keep)
        try:
            assert reports.run(ctx, "receivables-ageing", params).rows == whole
            summed = [s for s in sent if "FROM cr_installment" in s]
            assert not re.search(r"cr_installment\.customer_id (IN|= ANY)", summed[0])
            first = reports.run(ctx, "receivables-ageing", params, first=1)  # 2 to name
            assert list(first.rows) == list(whole[:1]) and first.more
        finally:
            event.remove(world.engine, "before_cursor_execute", keep)


@pytest.mark.parametrize("login", ["admin", "boss"])
def test_a_month_read_whole_less_the_days_outside_the_window_leaves_no_empty_group(
    world: Deployment, login: str
) -> None:
    """A window from a month's 2nd reads that month whole from the rollup less the 1st's rows
    (fewer days than the 30 inside); a group whose rows all fall on the 1st nets to nothing and
    is left out, as the source rows leave it out."""
    _busy(world)
    with world.engine.begin() as connection:
        users = [None, *_ids(connection, table_of(User))[:6]]
        apply(connection, ("order", 7, 1, date(2027, 1, 1), "88.00"), users)
        apply(connection, ("receive", -1, date(2027, 1, 1), "10.00"), users)  # the new order's
        apply(connection, ("order", 8, 2, date(2027, 1, 9), "66.00"), users)
        apply(connection, ("receive", -1, date(2027, 1, 9), "20.00"), users)
    window = {"since": "2027-01-02", "until": "2027-02-28"}
    cases = [
        ("sales", {**window, "by": "month,salesperson"}),
        ("sales", {**window, "by": "month,team"}),
        ("sales", {**window, "by": "industry"}),
        ("sales", {**window, "by": "product"}),  # the 1st's order alone has a line of P-2
        ("receipts", {**window, "by": "salesperson"}),
        ("receipts", {**window, "by": "month"}),
    ]
    with world.work(login, write=True) as ctx:
        rolled = [reports.run(ctx, name, params) for name, params in cases]
        ctx.session.execute(delete(RollupState))
        for (name, params), table in zip(cases, rolled, strict=True):
            source = reports.run(ctx, name, params)
            assert table == source, (name, params)
            assert len(source.rows) == 1, (name, params, source.rows)  # the 9th's alone
        ctx.session.rollback()


def _team_of(world: Deployment) -> dict[str, str | None]:
    """Each login's team name, read in plain SQL (None: no team)."""
    with world.engine.connect() as connection:
        return dict(
            connection.execute(
                select(table_of(User).c.login, table_of(Team).c.name).outerjoin(
                    table_of(Team), table_of(Team).c.id == table_of(User).c.team_id
                )
            ).all()
        )


@pytest.mark.parametrize("login", ["admin", "boss", "east_mgr", "sh_sales1"])
def test_a_team_s_row_adds_up_its_people_s_rows(world: Deployment, login: str) -> None:
    """Grouped by team, each report gives the sums of its rows by person, each person put under
    the team the database says they belong to (read here in plain SQL); rows of nobody, and of
    people without a team, under None. Whole months come from the rollups, odd windows from the
    source rows: both paths are crossed."""
    _busy(world)
    team_of = _team_of(world)
    assert len(set(team_of.values())) > 2
    shared = 0
    with world.work(login) as ctx:
        for name, person, params, measures in BY_TEAM:
            by_person = reports.run(ctx, name, {**params, "by": person}).records()
            by_team = reports.run(ctx, name, {**params, "by": "team"}).records()
            skip = {*measures, "margin_pct"}
            expected: dict[Any, dict[str, Any]] = {}
            for row in by_person:
                named = {**row, "team": team_of.get(row[person])}
                key = sorted((k, v) for k, v in named.items() if k not in {*skip, person})
                sums = expected.setdefault(tuple(key), {})
                for measure in measures:
                    sums[measure] = sums.get(measure, 0) + row[measure]
            got = {
                tuple(sorted((k, v) for k, v in row.items() if k not in skip)): {
                    m: row[m] for m in measures
                }
                for row in by_team
            }
            assert got == expected, (name, params)
            shared += len(by_person) - len(by_team)
    assert shared > 0 or login == "sh_sales1"  # some team held several people's rows


@pytest.mark.parametrize("login", ["admin", "boss", "east_mgr", "sh_sales1"])
def test_activity_by_team_adds_up_its_people_s_activity(world: Deployment, login: str) -> None:
    """Each team's row: how many people the per-person report lists under it, their
    interactions and active days added up, and how many of them logged nothing."""
    _busy(world)
    team_of = _team_of(world)
    idle_seen = 0
    with world.work(login) as ctx:
        for params in ({"logged_by": "team"}, {}, {"since": "2026-10-31", "until": "2026-11-02"}):
            people = reports.run(ctx, "salesperson-activity", {**params, "by": "salesperson"})
            expected: dict[Any, list[int]] = {}
            for row in people.records():
                sums = expected.setdefault(team_of[row["user"]], [0, 0, 0, 0])
                sums[0] += 1
                sums[1] += row["interactions"]
                sums[2] += row["active_days"]
                sums[3] += row["interactions"] == 0
            teams = reports.run(ctx, "salesperson-activity", {**params, "by": "team"})
            assert teams.columns == ("team", "people", "interactions", "active_days", "idle")
            assert {row[0]: list(row[1:]) for row in teams.rows} == expected, params
            assert len(teams.rows) == len(expected)
            idle_seen += sum(row[4] for row in teams.rows)
    assert idle_seen > 0 or login != "boss"  # the boss has people who logged nothing


#: Reports (by team, and the receipts by customer attribute) and the rollup each reads instead
#: of its source table.
ROLLUP_READS = [
    ("customers-by-segment", {"by": "team"}, "rollup_team_customers_by_level", "crm_customer"),
    (
        "customers-by-segment",
        {"by": "level"},
        "rollup_team_customers_by_level",
        "rollup_customers_by_level",
    ),
    ("customers-by-segment", {"by": "owner"}, "rollup_customers_by_level", "crm_customer"),
    ("sales", {"by": "month,team"}, "rollup_cr_team_sales_by_seller", "cr_order"),
    ("sales", {"by": "month"}, "rollup_cr_team_sales_by_seller", "rollup_cr_sales_by_seller"),
    ("sales", {"by": "month,salesperson"}, "rollup_cr_sales_by_seller", "cr_order"),
    (
        "interactions-per-day",
        {"by": "day", "logged_by": "team"},
        "rollup_team_interactions_by_day",
        "rollup_interactions_by_day",
    ),
    ("sales", {"by": "team,region"}, "rollup_cr_team_sales_by_region", "cr_order"),
    ("sales", {"by": "region"}, "rollup_cr_team_sales_by_region", "rollup_cr_sales_by_region"),
    (
        "sales",
        {"by": "month,team,industry"},
        "rollup_cr_team_sales_by_industry",
        "rollup_cr_sales_by_industry",
    ),
    (
        "sales",
        {"by": "month,team,industry", "since": "2026-09-03", "until": "2026-11-20"},
        "rollup_cr_team_sales_by_industry",
        "rollup_cr_sales_by_industry",
    ),
    ("receivables-ageing", {"by": "team"}, "rollup_cr_team_owed_by_due_month", "cr_installment"),
    (
        "receivables-ageing",
        {"by": "team"},
        "rollup_cr_team_owed_by_seller",
        "rollup_cr_owed_by_due_month",
    ),
    ("new-customers-by-month", {}, "rollup_team_customers_by_month", "rollup_customers_by_month"),
    ("receivables-ageing", {"by": "salesperson"}, "rollup_cr_owed_by_seller", "cr_installment"),
    ("pipeline", {"by": "team"}, "rollup_ps_team_projects_by_stage", "ps_project"),
    (
        "pipeline",
        {"by": "month"},
        "rollup_ps_team_projects_by_stage",
        "rollup_ps_projects_by_stage",
    ),
    ("receipts", {"by": "team"}, "rollup_cr_receipts_by_seller", "cr_payment"),
    # a window that splits months reads the rows of the days around the whole months only
    ("sales", {"by": "month,team", "since": "2026-10-05"}, "rollup_cr_team_sales_by_seller", ""),
    ("sales", {"by": "salesperson", "until": "2026-11-05"}, "rollup_cr_sales_by_seller", ""),
    ("receipts", {"by": "region", "since": "2026-10-20"}, "rollup_cr_receipts_by_region", ""),
    (
        "customer-development",
        {"by": "industry", "since": "2026-10-31"},
        "rollup_cr_team_new_customers_by_industry",
        "",
    ),
    ("receipts", {"by": "industry"}, "rollup_cr_receipts_by_industry", "cr_payment"),
    ("receipts", {"by": "region"}, "rollup_cr_receipts_by_region", "cr_payment"),
    (
        "customer-development",
        {"by": "industry"},
        "rollup_cr_team_new_customers_by_industry",
        "crm_customer",
    ),
    (
        "customer-development",
        {"by": "region", "since": "2026-10-01"},
        "rollup_cr_team_new_customers_by_region",
        "rollup_cr_new_customers_by_region",
    ),
    ("customer-development", {"by": "team"}, "rollup_team_customers_by_month", "crm_customer"),
    ("sales", {"by": "product"}, "rollup_cr_team_sales_by_product", "cr_order_line"),
    ("customer-development", {"by": "owner"}, "rollup_customers_by_month", "crm_customer"),
    ("customer-development", {"by": "grade"}, "rollup_cr_team_profiles_by_grade", "crm_customer"),
    (
        "salesperson-activity",
        {"by": "salesperson"},
        "rollup_interactions_by_month",
        "rollup_interactions_by_day",
    ),
    ("salesperson-activity", {"by": "team"}, "rollup_interactions_by_month", "crm_interaction"),
    (
        "salesperson-activity",
        {"by": "team", "since": "2026-10-31", "until": "2026-11-03"},
        "rollup_team_interactions_by_day",
        "rollup_interactions_by_day",
    ),
    (
        "customer-development",
        {"by": "grade"},
        "rollup_cr_team_profiles_by_grade",
        "cr_customer_profile",
    ),
]


@pytest.mark.parametrize(("name", "params", "rollup", "source"), ROLLUP_READS)
def test_a_report_reads_the_rollup_its_figures_come_from_not_the_source(
    world: Deployment, name: str, params: dict[str, str], rollup: str, source: str
) -> None:
    _busy(world)
    sent: list[str] = []

    def keep(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(world.engine, "before_cursor_execute", keep)
    try:
        with world.work("boss") as ctx:
            assert reports.run(ctx, name, params).rows
    finally:
        event.remove(world.engine, "before_cursor_execute", keep)
    read = " ".join(sent)
    assert re.search(rf"\b{rollup}\b", read)
    assert not source or not re.search(rf"\b{source}\b", read), f"{name} {params} read {source}"


#: The ageing's totals per salesperson, read instead of the months before the oldest edge.
OWED_BY_SELLER = "rollup_cr_owed_by_seller"


def _busy(world: Deployment) -> None:
    """Customers, interactions, orders, payments and projects of six people (and of nobody),
    with cancellations, hand-overs and moves between them."""
    with world.engine.begin() as connection:
        users = [None, *_ids(connection, table_of(User))[:6]]
        ops: list[tuple[Any, ...]] = []
        for k in range(40):
            at = BASE + timedelta(hours=7 * k)
            ops.append(("log", k, k % 6, at))
            ops.append(("customer", k, ["lead", "vip"][k % 2], ["零售", None][k % 2], k % 6, at))
            ops.append(("order", k, k % 6, date(2026, 10, 1) + timedelta(days=k), "120.50"))
        ops += [("order_change", 3, "cancelled", "10", date(2026, 10, 9)), ("hand_over", 2, 4)]
        ops += [("twins", 5, BASE + timedelta(days=3)), ("plan", 7, None), ("unlog", 11)]
        # one person's days under two owners: a day with both (their own customer, another's),
        # a day with the other owner's alone
        ops.append(("log", 2, 1, BASE + timedelta(hours=7, minutes=1)))
        ops.append(("log", 2, 1, BASE + timedelta(days=12)))
        ops += [("pay", 4, 1), ("pay", 9, 2), ("order_seller", 6, 3), ("orders_hand_over", 1, 2)]
        for k in range(0, 40, 3):  # payments over two months, some on orders that change hands
            ops.append(("receive", k, date(2026, 10, 2) + timedelta(days=2 * k), "300.25"))
        for k in range(0, 40, 5):  # regions and industries, some set after the payments
            ops.append(("classify", k, ["制造", None][k % 2], ["华东", "华南", None][k % 3], "vip"))
        for k in range(0, 40, 2):  # profiles for half the customers, most of them graded
            ops.append(("profile", k, k % 6, at))
            ops.append(("grade", k, [1, 3, None, 5][k // 2 % 4], [None, None, 3][k % 3]))
        _own_pipeline(connection, "工程")
        amounts = ["99.99", "1000", "25000.50", "0.03"]
        for k in range(30):
            close = date(2026, 9, 20) + timedelta(days=9 * k)
            ops.append(("project", 3 * k, k % 6, ["工程", "软件"][k % 2], k, amounts[k % 4], close))
        # twins of three projects (same owner, category, stage and month): rollup rows of two
        for k in (2, 7, 13):
            close = date(2026, 9, 20) + timedelta(days=9 * k)
            ops.append(("project", 3 * k, k % 6, ["工程", "软件"][k % 2], k, "10", close))
        ops += [("project_move", 4, 3, "77.77", date(2027, 2, 1)), ("projects_hand_over", 3, 5)]
        ops += [("project_seller", 8, 2, "咨询"), ("project_drop", 12), ("owner", 9, 1)]
        ops += [("project_customer", 6, 1)]
        for op in ops:
            apply(connection, op, users)


def test_whole_months_are_read_from_the_rollup_and_odd_windows_from_the_source() -> None:
    window = reports.month_key_window
    row = table_of(RollupState).c.name  # any column: only the terms' presence matters here
    assert window(row, {}) == []
    assert window(row, {"since": date(2026, 3, 1), "until": date(2026, 4, 30)}) is not None
    assert window(row, {"since": date(2026, 3, 2)}) is None
    assert window(row, {"until": date(2026, 4, 29)}) is None
    assert window(row, {"until": date(2024, 2, 29)}) is not None
    assert reports.last_months(12)(date(2026, 1, 15)) == {"since": "2025-02-01"}
    assert reports.last_months(1)(date(2026, 11, 23)) == {"since": "2026-11-01"}


def test_visibility_applies_to_rollups(world: Deployment) -> None:
    """A salesperson's count from the rollup is their own customers plus the pool, no more."""
    with world.work("sh_sales1") as ctx:
        from crm_core.features.customers.rollups import CustomersByLevel

        rolled = ctx.session.scalar(select(func.sum(CustomersByLevel.customers)))
        seen = ctx.session.scalar(select(func.count(Customer.id)))
    assert rolled == seen == 2
