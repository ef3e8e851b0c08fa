"""REST routes of project sales beside those of its commands: the board of open projects by
stage, as a manager reviews the pipeline."""

from __future__ import annotations

from typing import Any

from crm_core.contract.server import ApiRoute, RouteRequest

#: Open projects the board shows at most; `more` says when there are others.
MOST_PROJECTS = 2_000


def board(request: RouteRequest) -> dict[str, Any]:
    """Open projects you may see, grouped by their stage in pipeline order."""
    category = request.value("category")
    with request.desk() as desk:
        projects: list[dict[str, Any]] = []
        after = 0
        while len(projects) < MOST_PROJECTS:
            page = desk.projects.list(open_only=True, after_id=after, limit=500)
            projects += page
            if len(page) < 500:
                break
            after = page[-1]["id"]
        if category:
            projects = [p for p in projects if p["category"] == category]
        categories = sorted({p["category"] for p in projects if p["category"]})
        order = {
            (c, s["stage"]): i for c in categories for i, s in enumerate(desk.pipeline.stages(c))
        }
    columns: dict[str, list[dict[str, Any]]] = {}
    for project in sorted(
        projects, key=lambda p: (order.get((p["category"], p["stage"]), 99), p["id"])
    ):
        columns.setdefault(project["stage"], []).append(project)
    return {
        "stages": [{"stage": stage, "projects": rows} for stage, rows in columns.items()],
        "more": len(projects) >= MOST_PROJECTS,
    }


ROUTES = [
    ApiRoute(
        "GET",
        "/api/v1/projects/board",
        board,
        "Open projects by stage (the pipeline board)",
        "项目看板：按阶段列出进行中的项目",
        {"category": "Only projects of this pipeline category."},
    )
]
