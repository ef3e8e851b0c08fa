"""Writing a report: the record it is declared with, its parameters and table, and the helpers
that keep it fast at a million rows (windows over days and months, rollups when ready, the first
rows of a table for a page), plus the SQL calendar and bit functions on both databases.

A report aggregates in SQL through `ctx.session`, so the visibility policy filters what it
reads; see docs/reports.md for the rollups and the windows that cut months.
"""

from crm_core.features.reports.engine import (
    LOGGED_BY,
    SINCE,
    UNTIL,
    MonthSplit,
    TeamOf,
    at_moments_of,
    by_param,
    date_window,
    day_key_window,
    dimensions,
    first_rows,
    first_rows_bound,
    first_rows_by_key,
    last_days,
    last_months,
    logged_by_filter,
    moment_window,
    month_key_terms,
    month_key_window,
    month_split,
    month_split_nearer,
    on_days,
    plain_rows,
    rollup_ready,
    team_rollup_ready,
)
from crm_core.features.tracking.indicators import day_end, share
from crm_core.foundation.charts import Chart
from crm_core.foundation.sqlbits import any_bits, count_bits
from crm_core.foundation.sqltime import date_month, elapsed_days, local_day, local_month
from crm_core.hooks.reports import Report, ReportParam, ReportTable, parse_date

__all__ = [
    "LOGGED_BY",
    "SINCE",
    "UNTIL",
    "Chart",
    "MonthSplit",
    "Report",
    "ReportParam",
    "ReportTable",
    "TeamOf",
    "any_bits",
    "at_moments_of",
    "by_param",
    "count_bits",
    "date_month",
    "date_window",
    "day_end",
    "day_key_window",
    "dimensions",
    "elapsed_days",
    "first_rows",
    "first_rows_bound",
    "first_rows_by_key",
    "last_days",
    "last_months",
    "local_day",
    "local_month",
    "logged_by_filter",
    "moment_window",
    "month_key_terms",
    "month_key_window",
    "month_split",
    "month_split_nearer",
    "on_days",
    "parse_date",
    "plain_rows",
    "rollup_ready",
    "share",
    "team_rollup_ready",
]
