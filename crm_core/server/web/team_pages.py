"""A manager's pages for their team: hand a leaver's book to a colleague, with a preview of
everything that moves (customers, orders still owed, open projects, follow-ups, project tasks,
service cases) before anything changes. The transfer is the one the CLI and the REST API run,
with the same checks: a manager moves only what their people hold."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from crm_core.foundation.errors import CrmError
from crm_core.server.problems import reason_of, status_of

if TYPE_CHECKING:
    from crm_core.api.sign_in import Bearer
    from crm_core.server.web.page_kit import PageKit

#: The form's fields, as the page sends them back.
FIELDS = ("from", "to", "reason", "deactivate")


class TeamPages:
    def __init__(self, pages: PageKit) -> None:
        self.pages = pages

    async def transfer_page(
        self,
        request: Request,
        bearer: Bearer,
        values: dict[str, str],
        *,
        preview: Any = None,
        reason: str | None = None,
        status: int = 200,
    ) -> Response:
        pages = self.pages
        people = await pages.as_user(bearer, request, lambda d: d.users.list(), write=False)
        return pages.shown(
            request,
            bearer,
            "transfer.html",
            status,
            people=[p for p in people if p.active],
            values=values,
            preview=preview,
            reason=reason,
            done=request.query_params.get("done"),
        )

    async def transfer_form(self, request: Request) -> Response:
        bearer = await self.pages.signed_in(request)
        values = {"from": request.query_params.get("from", "")}
        return await self.transfer_page(request, bearer, values)

    async def transfer(self, request: Request) -> Response:
        pages = self.pages
        form = await pages.form(request)
        bearer = await pages.signed_in(request, form_csrf=form.get("csrf"))
        values = {key: form.get(key, "").strip() for key in FIELDS}
        commit = form.get("action") == "commit"

        def move(desk: Any) -> Any:
            return desk.customers.transfer_all(
                values["from"],
                values["to"],
                reason=values["reason"] or None,
                dry_run=not commit,
                deactivate=values["deactivate"] == "1",
            )

        try:
            result = await pages.as_user(bearer, request, move, write=commit)
        except CrmError as refused:
            return await self.transfer_page(
                request, bearer, values, reason=reason_of(refused), status=status_of(refused)
            )
        if commit:
            return RedirectResponse(f"/team/transfer?done={_quoted(result.message)}", 303)
        return await self.transfer_page(request, bearer, values, preview=result)

    def routes(self) -> list[Route]:
        page = self.pages.page
        return [
            Route("/team/transfer", page(self.transfer_form), methods=["GET"]),
            Route("/team/transfer", page(self.transfer), methods=["POST"]),
        ]


def _quoted(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")
