"""The pages of figures: a person's dashboard (the reports their role has on it, with charts),
the list of reports, and each report with its filters, its chart, its table and its export to
xlsx or csv. Every figure is the report run as the signed-in person, over what they may see."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from markupsafe import Markup
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from crm_core.foundation import i18n
from crm_core.foundation.errors import CrmError, NotFound
from crm_core.server.problems import Problem, reason_of, status_of

if TYPE_CHECKING:
    from crm_core.api.reports import ReportInfo
    from crm_core.server.web.page_kit import PageKit

#: Rows a report page shows; the export holds them all.
SHOWN_ROWS = 500
#: Rows under each chart on the dashboard.
TILE_ROWS = 8
#: What a report exports to from its page, and the type each is sent as.
EXPORTS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


class ReportPages:
    def __init__(self, pages: PageKit) -> None:
        self.pages = pages

    async def dashboard(self, request: Request) -> Response:
        pages = self.pages
        bearer = await pages.signed_in(request)
        tiles = await pages.as_user(bearer, request, lambda d: d.reports.dashboard(), write=False)
        return pages.shown(
            request,
            bearer,
            "dashboard.html",
            tiles=[_shown_tile(t) for t in tiles],
        )

    async def catalogue(self, request: Request) -> Response:
        pages = self.pages
        bearer = await pages.signed_in(request)
        found = await pages.as_user(bearer, request, lambda d: d.reports.available(), write=False)
        return pages.shown(
            request,
            bearer,
            "reports.html",
            reports=found,
        )

    async def report(self, request: Request) -> Response:
        pages = self.pages
        bearer = await pages.signed_in(request)
        name = request.path_params["name"]

        def read(desk: Any) -> dict[str, Any]:
            info = _described(desk, name)
            values = _values(info, request)
            try:
                table = desk.reports.run(name, first_rows=SHOWN_ROWS, **values)
            except CrmError as refused:
                # The filters are wrong or incomplete: the form again, with the reason.
                return {"info": info, "values": values, "table": None, "refused": refused}
            chart = desk.reports.chart(name, table)
            return {"info": info, "values": values, "table": table, "chart": chart}

        found = await pages.as_user(bearer, request, read, write=False)
        table, refused = found["table"], found.get("refused")
        query = "&".join(f"{k}={quote(str(v), safe='')}" for k, v in found["values"].items())
        return pages.shown(
            request,
            bearer,
            "report.html",
            status_of(refused) if refused else 200,
            info=found["info"],
            values=found["values"],
            reason=reason_of(refused) if refused else None,
            columns=table.columns if table else (),
            rows=table.rows if table else (),
            more=table.more if table else False,
            chart=Markup(found["chart"]) if table and found["chart"] else None,
            exports=[]
            if refused
            else [(fmt, f"/reports/{quote(name)}/export.{fmt}?{query}") for fmt in EXPORTS],
        )

    async def export(self, request: Request) -> Response:
        pages = self.pages
        bearer = await pages.signed_in(request)
        name, fmt = request.path_params["name"], request.path_params["fmt"]
        if fmt not in EXPORTS:
            raise Problem(404, i18n._("No such page."))
        folder = Path(tempfile.mkdtemp(prefix="crm-report-"))
        path = folder / f"{name}.{fmt}"

        def write(desk: Any) -> None:
            info = _described(desk, name)
            desk.reports.write(name, path, fmt, **_values(info, request))

        try:
            await pages.as_user(bearer, request, write, write=False)
        except BaseException:
            _remove(folder)
            raise
        return FileResponse(
            path,
            media_type=EXPORTS[fmt],
            filename=path.name,
            headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
            background=BackgroundTask(_remove, folder),
        )

    def routes(self) -> list[Route]:
        page = self.pages.page
        return [
            Route("/dashboard", page(self.dashboard), methods=["GET"]),
            Route("/reports", page(self.catalogue), methods=["GET"]),
            Route("/reports/{name}/export.{fmt}", page(self.export), methods=["GET"]),
            Route("/reports/{name}", page(self.report), methods=["GET"]),
        ]


def _described(desk: Any, name: str) -> ReportInfo:
    """The report called `name`; a name no enabled plugin offers is a missing page."""
    if name not in {entry.name for entry in desk.reports.catalogue()}:
        raise NotFound(i18n._("No such page."))
    info: ReportInfo = desk.reports.describe(name)
    return info


def _values(info: ReportInfo, request: Request) -> dict[str, str]:
    """The report's own parameters from the query (others are ignored; empty ones left out)."""
    known = {p.name for p in info.params}
    return {
        key: value.strip()
        for key, value in request.query_params.items()
        if key in known and value.strip()
    }


def _shown_tile(tile: Any) -> dict[str, Any]:
    query = "&".join(f"{k}={quote(str(v), safe='')}" for k, v in tile.params.items())
    return {
        "title": tile.title,
        "columns": tile.columns,
        "rows": tile.rows[:TILE_ROWS],
        "more": tile.total_rows > TILE_ROWS,
        "chart": Markup(tile.chart) if tile.chart else None,
        "href": f"/reports/{quote(tile.name)}" + (f"?{query}" if query else ""),
    }


def _remove(folder: Path) -> None:
    for child in folder.iterdir():
        with contextlib.suppress(OSError):
            child.unlink()
    with contextlib.suppress(OSError):
        os.rmdir(folder)
