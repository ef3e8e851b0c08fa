"""REST routes of project sales beside those of its commands: the board of open projects by
stage, as a manager reviews the pipeline."""

from __future__ import annotations

from typing import Any

from crm_core.contract.server import ApiRoute, RouteRequest
from crm_project_sales.pages import open_by_stage


def board(request: RouteRequest) -> dict[str, Any]:
    """Open projects you may see, grouped by their stage in pipeline order."""
    with request.desk() as desk:
        found = open_by_stage(desk, request.value("category"))
    return {
        "stages": [{"stage": c["stage"], "projects": c["projects"]} for c in found["stages"]],
        "more": found["more"],
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
