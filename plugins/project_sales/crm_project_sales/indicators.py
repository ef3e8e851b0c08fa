"""Rollout indicators of the project-sales block: how fast and how often projects are won."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, case, func, select

from crm_core.contract import Context
from crm_core.contract.records import Indicator
from crm_core.contract.reports import day_end, elapsed_days, share
from crm_project_sales.models import Project, Stage
from crm_project_sales.reports import stage_join

#: Closed projects counted: those closed in this many days up to the day.
WINDOW_DAYS = 180


def _closed_window(ctx: Context, day: date) -> list[ColumnElement[bool]]:
    end = day_end(ctx, day)
    return [
        Project.closed_at.is_not(None),
        Project.closed_at >= end - timedelta(days=WINDOW_DAYS),
        Project.closed_at < end,
    ]


def days_lead_to_signed(ctx: Context, day: date) -> Decimal | None:
    """Average days from a project's creation to its win, over wins in the last 180 days."""
    average = ctx.session.scalar(
        select(func.avg(elapsed_days(Project.created_at, Project.closed_at)))
        .select_from(Project)
        .join(Stage, stage_join(ctx))
        .where(Stage.outcome == "won", *_closed_window(ctx, day))
    )
    return None if average is None else Decimal(str(average))


def win_rate(ctx: Context, day: date) -> Decimal | None:
    """Won projects as a share of those won or lost in the last 180 days."""
    won, closed = ctx.session.execute(
        select(
            func.sum(case((Stage.outcome == "won", 1), else_=0)),
            func.count(Project.id),
        )
        .select_from(Project)
        .join(Stage, stage_join(ctx))
        .where(Stage.outcome.in_(("won", "lost")), *_closed_window(ctx, day))
    ).one()
    return share(won, closed)


def register_all(register: Callable[[Indicator], None]) -> None:
    register(
        Indicator(
            "days-lead-to-signed",
            "Days from lead to signed (wins of the last 180 days)",
            days_lead_to_signed,
            unit="days",
            better="lower",
            title_zh="从线索到签约天数",
        )
    )
    register(
        Indicator(
            "win-rate",
            "Win rate of projects closed in the last 180 days",
            win_rate,
            unit="%",
            title_zh="近180天项目赢单率",
        )
    )
