"""The web pages of project sales: the board of open projects by stage (one click advances a
project, or says which deliverables its gate still misses), and a project's page with its gate,
deliverables (uploaded files or short records), decision tree, competitors, quotes, profit,
members, tasks and notes."""

from __future__ import annotations

from typing import Any

from crm_core.contract import CrmError, _
from crm_core.contract.web import Moved, PageRequest, Shown, WebPage

TEMPLATES = "crm_project_sales"
#: Open projects the board shows at most.
MOST_PROJECTS = 2_000


def open_by_stage(desk: Any, category: str | None = None) -> dict[str, Any]:
    """Open projects one may see, grouped by stage in pipeline order (the board)."""
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
    ladder = {c: desk.pipeline.stages(c) for c in categories}
    order = {(c, s["stage"]): i for c, stages in ladder.items() for i, s in enumerate(stages)}
    names = {(c, s["stage"]): s["name"] for c, stages in ladder.items() for s in stages}
    columns: dict[str, dict[str, Any]] = {}
    for project in sorted(
        projects, key=lambda p: (order.get((p["category"], p["stage"]), 99), p["id"])
    ):
        column = columns.setdefault(
            project["stage"],
            {
                "stage": project["stage"],
                "name": names.get((project["category"], project["stage"]), project["stage"]),
                "projects": [],
            },
        )
        column["projects"].append(project)
    return {
        "stages": list(columns.values()),
        "categories": categories,
        "more": len(projects) >= MOST_PROJECTS,
    }


def board(request: PageRequest, *, reason: str | None = None, status: int = 200) -> Shown:
    category = request.value("category") or None
    with request.desk() as desk:
        found = open_by_stage(desk, category)
    return request.show(
        f"{TEMPLATES}/board.html",
        status,
        category=category or "",
        reason=reason,
        moved=request.value("moved"),
        **found,
    )


def project(
    request: PageRequest,
    *,
    reason: str | None = None,
    status: int = 200,
    values: dict[str, str] | None = None,
) -> Shown:
    with request.desk() as desk:
        shown = desk.projects.show(request.value("project"))
        stages = desk.pipeline.stages(shown["category"])
    current = next((s for s in stages if s["stage"] == shown["stage"]), None)
    missing = []
    for entry in current["gate"] if current else []:
        code, _sep, kind = entry.rpartition(" (")
        if code not in shown["gate_done"]:
            missing.append({"code": code, "kind": kind.rstrip(")")})
    return request.show(
        f"{TEMPLATES}/project.html",
        status,
        project=shown,
        stages=stages,
        missing=missing,
        open=bool(current and current["outcome"] == "open"),
        reason=reason,
        values=values or {},
        done=request.value("done"),
    )


def advance(request: PageRequest) -> Shown | Moved:
    ref, back = request.value("project"), request.value("back")
    try:
        with request.desk(write=True) as desk:
            state = desk.projects.advance(ref, request.value("to") or None)
    except CrmError as refused:
        if back == "board":
            return board(request, reason=str(refused), status=422)
        return project(request, reason=str(refused), status=422)
    if back == "board":
        return request.moved(f"/projects?moved={state.id}")
    return request.moved(f"/projects/{state.id}?done=advanced")


def deliver(request: PageRequest) -> Shown | Moved:
    ref, name = request.value("project"), request.value("deliverable")
    sent = request.file("file")
    values = {"deliverable": name, "record": request.value("record")}
    try:
        fields = _record(request.value("record"))
        if sent is None and not fields:
            raise CrmError(_("Choose a file, or write the record's fields (name: value)."))
        with request.desk(write=True) as desk:
            desk.projects.deliver(
                ref, name, path=sent.path if sent else None, record=None if sent else fields
            )
    except CrmError as refused:
        return project(request, reason=str(refused), status=422, values=values)
    return request.moved(f"/projects/{ref}?done=delivered")


def lose(request: PageRequest) -> Shown | Moved:
    ref = request.value("project")
    try:
        with request.desk(write=True) as desk:
            desk.projects.lose(ref, request.value("reason"))
    except CrmError as refused:
        return project(request, reason=str(refused), status=422)
    return request.moved(f"/projects/{ref}?done=lost")


def _record(text: str) -> dict[str, str]:
    """ "name: value" lines as a record (a line without a colon is refused)."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        key, colon, value = line.replace("：", ":").partition(":")
        if not colon or not key.strip():
            raise CrmError(_("Write each field of the record as name: value, one per line."))
        fields[key.strip()] = value.strip()
    return fields


ROLES = ("admin", "manager", "sales")

PAGES = [
    WebPage("/projects", "Projects", board, title_zh="项目", menu=ROLES, package=TEMPLATES),
    WebPage("/projects/{project}", "Project", project, title_zh="项目", package=TEMPLATES),
    WebPage(
        "/projects/{project}/advance",
        "Advance",
        advance,
        title_zh="推进",
        methods=("POST",),
        package=TEMPLATES,
    ),
    WebPage(
        "/projects/{project}/deliver",
        "Deliver",
        deliver,
        title_zh="提交交付物",
        methods=("POST",),
        package=TEMPLATES,
    ),
    WebPage(
        "/projects/{project}/lose",
        "Lose",
        lose,
        title_zh="丢单",
        methods=("POST",),
        package=TEMPLATES,
    ),
]
