"""The phase review (`crm rollout report`): per block, what improved since go-live and what did
not, every goal's indicators across the stored snapshots, and a chart of each; one HTML page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from crm_core.features.tracking import goals as tracking
from crm_core.foundation import charts, i18n, pages
from crm_core.hooks.context import Context


def _figure(value: Decimal | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{pages.cell(value)}{unit if unit == '%' else ''}"


def _goal(goal: dict[str, Any], go_live: date, today: date) -> dict[str, Any]:
    days = sorted({d for row in goal["indicators"] for d, _ in row["history"] if d < today})
    if go_live not in days:
        days.insert(0, go_live)
    rows = []
    for row in goal["indicators"]:
        by_day = dict(row["history"])
        by_day.setdefault(go_live, row["baseline"])
        history = [by_day.get(d) for d in days]
        points = [(d.isoformat(), v) for d, v in zip(days, history, strict=True) if v is not None]
        points.append((today.isoformat(), row["current"]))
        chart = None
        if len(points) > 1 and row["current"] is not None:
            chart = charts.svg(
                charts.Chart("day", (row["title"],), kind="line"),
                ("day", row["title"]),
                points,
                f"{goal['title']}: {row['title']}",
            )
        rows.append(
            {
                **row,
                "history": history,
                "css": {"improved": "good", "worse": "bad"}.get(row["verdict"], "flat"),
                "chart": chart,
            }
        )
    return {"title": goal["title"], "days": [d.isoformat() for d in days], "rows": rows}


def html(ctx: Context, today: date) -> str:
    blocks = []
    for block in tracking.status(ctx, today):
        improved: list[str] = []
        not_improved: list[str] = []
        for goal in block["goals"]:
            for row in goal["indicators"]:
                line = (
                    f"{goal['title']}: {row['title']} "
                    f"{_figure(row['baseline'], row['unit'])} → {_figure(row['current'], row['unit'])}"
                )
                if row["target"] is not None:
                    line += " (" + i18n._("target {value}", value=pages.cell(row["target"])) + ")"
                good = row["verdict"] == "improved" or row["target_met"]
                (improved if good else not_improved).append(line)
        blocks.append(
            {
                **block,
                "phase_text": i18n._(block["phase"]),
                "improved": improved,
                "not_improved": not_improved,
                "goals": [_goal(g, block["go_live_on"], today) for g in block["goals"]],
            }
        )
    return pages.render(
        "review.html",
        page_title=i18n._("Rollout review"),
        today=today.isoformat(),
        blocks=blocks,
    )
