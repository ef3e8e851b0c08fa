"""The ageing report's reading plan: each month whole in one bucket, the days on the smaller
side of a bucket edge moved to their own. Whatever the day, every due day lands in its bucket."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from crm_customer_resources.reports import _bucket, _month_plan


def _edges(on: date) -> list[date]:
    return [on - timedelta(days=d) for d in (0, 30, 60, 90)]


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_every_day_is_read_into_its_own_bucket(on: date) -> None:
    edges = _edges(on)
    months, moves = _month_plan(edges)
    first = edges[-1].replace(day=1)
    day = first - timedelta(days=40)
    while day < on + timedelta(days=70):
        month = f"{day:%Y-%m}"
        # outside the plan: before it over 90 days, after it not due
        outside = len(edges) if day < first else 0
        read_into = months.get(month, outside)
        for since, until, to, away in moves:
            if since <= day < until:
                assert away == read_into  # moved out of the bucket it was read into
                read_into = to
        assert read_into == _bucket(day, edges), (on, day)
        day += timedelta(days=1)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_at_most_half_a_month_is_read_by_day(on: date) -> None:
    _months, moves = _month_plan(_edges(on))
    assert len(moves) <= 4
    assert all((until - since).days <= 16 for since, until, _to, _away in moves)
