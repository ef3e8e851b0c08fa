"""A salesperson's worksheet from the web: download the .xlsx of their customers to work on
(offline, on a laptop in the field), fill in visits and levels, upload it back. The same
worksheets as `crm worksheets issue` and `collect`: lines collected before change nothing."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from crm_core.foundation import i18n
from crm_core.foundation.errors import CrmError, ValidationError
from crm_core.server.problems import reason_of, status_of

if TYPE_CHECKING:
    from crm_core.api.sign_in import Bearer
    from crm_core.server.web.page_kit import PageKit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class WorksheetPages:
    def __init__(self, pages: PageKit) -> None:
        self.pages = pages

    async def page(
        self,
        request: Request,
        bearer: Bearer,
        *,
        collected: Any = None,
        reason: str | None = None,
        status: int = 200,
    ) -> Response:
        pages = self.pages
        return pages.shown(
            request,
            bearer,
            "worksheet.html",
            status,
            collected=collected,
            reason=reason,
        )

    async def show(self, request: Request) -> Response:
        return await self.page(request, await self.pages.signed_in(request))

    async def download(self, request: Request) -> Response:
        pages = self.pages
        form = await pages.form(request)
        bearer = await pages.signed_in(request, form_csrf=form.get("csrf"))
        folder = Path(tempfile.mkdtemp(prefix="crm-worksheet-"))
        quiet = form.get("quiet_days", "").strip()
        try:
            if quiet and not quiet.isdigit():
                raise ValidationError(i18n._("Days without contact must be a whole number."))
            issued = await pages.as_user(
                bearer,
                request,
                lambda d: d.files.issue_worksheets(
                    [bearer.actor.login], folder, quiet_days=int(quiet) if quiet else None
                ),
                write=True,
            )
        except CrmError as refused:
            shutil.rmtree(folder, ignore_errors=True)
            return await self.page(
                request, bearer, reason=reason_of(refused), status=status_of(refused)
            )
        sheet = issued[0].path
        return FileResponse(
            sheet,
            media_type=XLSX,
            filename=sheet.name,
            headers={"Cache-Control": "no-store"},
            background=BackgroundTask(shutil.rmtree, folder, True),
        )

    async def upload(self, request: Request) -> Response:
        pages = self.pages
        limit = pages.server.config.most_upload_bytes
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            bearer = await pages.signed_in(request)
            reason = i18n._("The request body is over {n} bytes.", n=limit)
            return await self.page(request, bearer, reason=reason, status=413)
        form = await request.form(max_files=1, max_fields=10)
        csrf = form.get("csrf")
        bearer = await pages.signed_in(request, form_csrf=csrf if isinstance(csrf, str) else None)
        sent = form.get("file")
        if sent is None or isinstance(sent, str) or not sent.filename:
            reason = i18n._("Choose the worksheet file to upload.")
            return await self.page(request, bearer, reason=reason, status=422)
        folder = Path(tempfile.mkdtemp(prefix="crm-worksheet-"))
        try:
            path = folder / Path(str(sent.filename).replace("\\", "/")).name
            with path.open("wb") as out:
                while chunk := await sent.read(1024 * 1024):
                    out.write(chunk)
            collected = await pages.as_user(
                bearer, request, lambda d: d.files.collect_worksheet(path), write=True
            )
        except CrmError as refused:
            return await self.page(
                request, bearer, reason=reason_of(refused), status=status_of(refused)
            )
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return await self.page(request, bearer, collected=collected)

    def routes(self) -> list[Route]:
        page = self.pages.page
        return [
            Route("/worksheet", page(self.show), methods=["GET"]),
            Route("/worksheet", page(self.upload), methods=["POST"]),
            Route("/worksheet/download", page(self.download), methods=["POST"]),
        ]
