"""Days per month (`MonthlyDays`, decision 0027): the bit sets the interactions' month rollup
holds, how a window is split into whole months and the days around them, the bit functions on
both databases, and the spec's checks."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Integer, String, literal, select, text, union_all
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.features.customers.rollups import INTERACTIONS_BY_DAY, INTERACTIONS_BY_MONTH
from crm_core.features.reports import engine as reports
from crm_core.features.reports.engine import month_split, month_split_nearer
from crm_core.foundation.errors import PluginError
from crm_core.foundation.sqlbits import any_bits, count_bits
from crm_core.hooks.rollups import MonthlyDays, RollupBase
from crm_core.hooks.scoping import OwnerScoped
from crm_core.kernel import lifecycle
from crm_core.kernel.deployment import Deployment
from crm_core.services import interactions
from tests.conftest import Org, register_rollups

FIRST, LAST = date(2025, 11, 20), date(2027, 3, 10)


def _log(org: Org, login: str, customer: str, day: date) -> int:
    with org.work(login, write=True) as ctx:
        zone = ZoneInfo(str(ctx.settings.get("timezone")))
        at = datetime.combine(day, time(12), zone)
        return interactions.log(ctx, str(org.customer_of[customer]), "call", occurred_at=at).id


def _month_rows(org: Org) -> dict[tuple[str, int | None], tuple[int, int]]:
    """sh_sales1's month rows: (month, owner) -> (interactions, days)."""
    with org.deployment.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT m.month, m.owner_id, m.interactions, m.days "
                "FROM rollup_interactions_by_month m JOIN crm_user u ON u.id = m.user_id "
                "WHERE u.login = 'sh_sales1' AND m.month = '2026-10'"
            )
        ).all()
    with org.work("admin") as ctx:
        seller = ctx.session.scalar(text("SELECT id FROM crm_user WHERE login = 'sh_sales1'"))
    return {
        (month, None if owner is None else owner - seller): (n, d) for month, owner, n, d in rows
    }


def _active(org: Org) -> tuple[int, int]:
    """sh_sales1's interactions and active days in October, as the report gives them."""
    window = {"by": "salesperson", "since": "2026-10-01", "until": "2026-10-31"}
    with org.work("admin") as ctx:
        rows = reports.run(ctx, "salesperson-activity", window).records()
    (mine,) = [row for row in rows if row["user"] == "sh_sales1"]
    return mine["interactions"], mine["active_days"]


def test_a_month_row_holds_a_bit_per_day_and_loses_it_with_the_day(org: Org) -> None:
    own = [_log(org, "sh_sales1", "sh_sales1", date(2026, 10, day)) for day in (1, 31, 31)]
    for day in (15, 31):
        _log(org, "sh_sales1", "pool", date(2026, 10, day))
    assert _month_rows(org) == {
        ("2026-10", 0): (3, 1 | 1 << 30),  # the 1st is bit 0, the 31st bit 30
        ("2026-10", None): (2, 1 << 14 | 1 << 30),
    }
    # the report's plugin (whose rules would not let a salesperson log on a pool customer)
    lifecycle.enable(org.deployment, org.deployment.resolve_actor("admin"), ["customer_resources"])
    assert _active(org) == (5, 3)  # the 31st under both owners counts once
    with org.deployment.engine.begin() as connection:
        connection.execute(text(f"DELETE FROM crm_interaction WHERE id = {own[1]}"))
    assert _month_rows(org)[("2026-10", 0)] == (2, 1 | 1 << 30)  # the 31st has one left
    with org.deployment.engine.begin() as connection:
        connection.execute(text(f"DELETE FROM crm_interaction WHERE id = {own[2]}"))
    assert _month_rows(org)[("2026-10", 0)] == (1, 1)
    assert _active(org) == (3, 3)
    with org.deployment.engine.begin() as connection:
        connection.execute(text(f"DELETE FROM crm_interaction WHERE id = {own[0]}"))
    assert ("2026-10", 0) not in _month_rows(org)  # nothing left: the row goes
    assert _active(org) == (2, 2)


@given(
    since=st.none() | st.dates(FIRST, LAST),
    until=st.none() | st.dates(FIRST, LAST),
)
def test_a_window_splits_into_whole_months_and_the_days_around_them(
    since: date | None, until: date | None
) -> None:
    months, edges = month_split(since, until)
    low, high = since or FIRST - timedelta(days=62), until or LAST + timedelta(days=62)
    covered: list[date] = []
    for start, end in edges:
        assert start.replace(day=1) == end.replace(day=1) and start <= end  # within one month
        covered += [start + timedelta(days=n) for n in range((end - start).days + 1)]
    day = low
    while day <= high:
        month = day.isoformat()[:7]
        whole = months is not None and (months[0] or "") <= month <= (months[1] or "9999")
        if whole:
            covered.append(day)
        day += timedelta(days=1)
    wanted = [low + timedelta(days=n) for n in range((high - low).days + 1)]
    assert sorted(covered) == wanted  # every day of the window once, and nothing else
    if months is not None:  # open where the window is
        assert (months[0] is None, months[1] is None) == (since is None, until is None)


@given(
    since=st.none() | st.dates(FIRST, LAST),
    until=st.none() | st.dates(FIRST, LAST),
)
@example(since=date(2026, 11, 16), until=None)  # fifteen days in, fifteen out: added
@example(since=None, until=date(2026, 9, 15))
@example(since=date(2026, 1, 3), until=date(2026, 10, 16))  # both read whole, less the rest
def test_a_month_the_window_cuts_is_read_whole_when_less_of_it_lies_outside(
    since: date | None, until: date | None
) -> None:
    """`month_split_nearer`: the whole months plus the days added less the days subtracted
    count every day of the window once and nothing else; no range added or subtracted is more
    than half its month; a cut month is read whole exactly when fewer of its days lie outside."""
    split = month_split_nearer(since, until)
    months, edges = month_split(since, until)
    if months is None or not edges:
        assert split is None
        return
    assert split is not None
    # an open end: from the first of a month well before, to the last of one well after
    low, high = since or date(2025, 9, 1), until or date(2027, 5, 31)
    counted: dict[date, int] = {}
    day = low.replace(day=1)
    while day <= _month_end(high):
        month = day.isoformat()[:7]
        if (split.months[0] or "") <= month <= (split.months[1] or "9999"):
            counted[day] = counted.get(day, 0) + 1
        day += timedelta(days=1)
    for ranges, sign in ((split.added, 1), (split.removed, -1)):
        for start, end in ranges:
            assert start.replace(day=1) == end.replace(day=1) and start <= end
            assert (end - start).days + 1 <= 16  # at most about half a month
            for n in range((end - start).days + 1):
                day = start + timedelta(days=n)
                counted[day] = counted.get(day, 0) + sign
    wanted = {low + timedelta(days=n) for n in range((high - low).days + 1)}
    assert {day for day, times in counted.items() if times} == wanted
    assert all(times in (0, 1) for times in counted.values())
    for start, end in edges:  # a cut month: whole exactly when its inside is the larger part
        month = start.isoformat()[:7]
        inside = (end - start).days + 1
        days_in_month = _month_end(start).day
        whole = (split.months[0] or "") <= month <= (split.months[1] or "9999")
        assert whole == (days_in_month - inside < inside), (start, end)


def _month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sets=st.lists(st.lists(st.integers(1, 31), max_size=31), min_size=1, max_size=6))
def test_bit_sets_are_or_ed_and_counted_on_the_database(
    crm_deployment: Deployment, sets: list[list[int]]
) -> None:
    """`any_bits` ORs a group's sets, `count_bits` counts the days in one: on each database,
    against Python's sets."""
    days = [
        select(literal(1).label("g"), literal(sum({1 << (d - 1) for d in one})).label("b"))
        for one in sets
    ]
    rows = union_all(*days).subquery() if len(days) > 1 else days[0].subquery()
    query = select(count_bits(any_bits(rows.c.b)), any_bits(rows.c.b)).group_by(rows.c.g)
    with crm_deployment.engine.connect() as connection:
        counted, ored = connection.execute(query).one()
    wanted = {d for days in sets for d in days}
    assert counted == len(wanted)
    assert ored == sum(1 << (d - 1) for d in wanted)


class _NotFolded(OwnerScoped, RollupBase):
    __tablename__ = "rollup_test_not_folded"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    user_id: Mapped[int] = mapped_column(Integer)
    interactions: Mapped[int] = mapped_column(Integer)
    days: Mapped[int] = mapped_column(Integer)
    customers: Mapped[int] = mapped_column(Integer)


def test_days_per_month_are_registered_after_their_rollup_and_match_their_model() -> None:
    assert register_rollups(INTERACTIONS_BY_DAY, INTERACTIONS_BY_MONTH)
    with pytest.raises(PluginError, match="before it"):
        register_rollups(INTERACTIONS_BY_MONTH)
    with pytest.raises(PluginError, match="'occurred' is not a key"):
        register_rollups(
            INTERACTIONS_BY_DAY,
            MonthlyDays(INTERACTIONS_BY_MONTH.model, of=INTERACTIONS_BY_DAY, day="occurred"),
        )
    with pytest.raises(PluginError, match="customers are not keys or totals"):
        register_rollups(INTERACTIONS_BY_DAY, MonthlyDays(_NotFolded, of=INTERACTIONS_BY_DAY))
