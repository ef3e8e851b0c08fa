"""An administrator's pages for configuring a deployment without code: the picklists (add,
relabel, retire values) and the custom fields of every entity (define, archive, restore). The
changes go through `crm_core.api`, which refuses them to anyone but an admin."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from crm_core.api.configuration import NewField
from crm_core.foundation import i18n
from crm_core.foundation.errors import CrmError
from crm_core.server.problems import reason_of, status_of

if TYPE_CHECKING:
    from crm_core.api.sign_in import Bearer
    from crm_core.server.web.page_kit import PageKit

FIELD_TYPES = ("text", "int", "decimal", "date", "bool", "choice")


class ConfigurationPages:
    def __init__(self, pages: PageKit) -> None:
        self.pages = pages

    # -- picklists ----------------------------------------------------------------------------

    async def picklists(self, request: Request) -> Response:
        pages = self.pages
        bearer = await self.pages.signed_in_admin(request)
        found = await pages.as_user(bearer, request, lambda d: d.picklists.lists(), write=False)
        return pages.shown(
            request,
            bearer,
            "admin_picklists.html",
            picklists=found,
        )

    async def picklist_page(
        self,
        request: Request,
        bearer: Bearer,
        *,
        reason: str | None = None,
        status: int = 200,
        values: dict[str, str] | None = None,
    ) -> Response:
        pages = self.pages
        name = request.path_params["name"]
        listed = await pages.as_user(
            bearer,
            request,
            lambda d: (d.picklists.values(name, retired=True), d.picklists.lists()),
            write=False,
        )
        found, lists = listed
        title = next((p.title for p in lists if p.picklist == name), name)
        return pages.shown(
            request,
            bearer,
            "admin_picklist.html",
            status,
            name=name,
            title=title,
            values=found,
            typed=values or {},
            reason=reason,
            saved=request.query_params.get("saved") == "1",
        )

    async def picklist(self, request: Request) -> Response:
        return await self.picklist_page(request, await self.pages.signed_in_admin(request))

    async def change_picklist(self, request: Request) -> Response:
        form = await self.pages.form(request)
        bearer = await self.pages.signed_in_admin(request, form_csrf=form.get("csrf"))
        name = request.path_params["name"]
        action = form.get("action", "")
        code = form.get("code", "").strip()
        label = form.get("label", "").strip() or None
        label_zh = form.get("label_zh", "").strip() or None

        def change(desk: Any) -> None:
            if action == "add":
                desk.picklists.add(name, code, label, label_zh)
            elif action == "relabel":
                desk.picklists.relabel(name, code, label, label_zh)
            elif action == "retire":
                desk.picklists.retire(name, code)
            else:
                raise CrmError(i18n._("No such page."))

        try:
            await self.pages.as_user(bearer, request, change, write=True)
        except CrmError as refused:
            return await self.picklist_page(
                request, bearer, reason=reason_of(refused), status=status_of(refused), values=form
            )
        return RedirectResponse(f"/admin/picklists/{quote(name)}?saved=1", 303)

    # -- custom fields ------------------------------------------------------------------------

    async def fields_page(
        self,
        request: Request,
        bearer: Bearer,
        *,
        reason: str | None = None,
        status: int = 200,
        values: dict[str, str] | None = None,
    ) -> Response:
        pages = self.pages

        def read(desk: Any) -> list[tuple[Any, list[Any]]]:
            return [
                (entity, desk.fields.list(entity.entity, archived=True))
                for entity in desk.fields.entities()
            ]

        found = await pages.as_user(bearer, request, read, write=False)
        return pages.shown(
            request,
            bearer,
            "admin_fields.html",
            status,
            entities=found,
            types=FIELD_TYPES,
            typed=values or {},
            reason=reason,
            saved=request.query_params.get("saved") == "1",
        )

    async def fields(self, request: Request) -> Response:
        return await self.fields_page(request, await self.pages.signed_in_admin(request))

    async def change_fields(self, request: Request) -> Response:
        form = await self.pages.form(request)
        bearer = await self.pages.signed_in_admin(request, form_csrf=form.get("csrf"))
        action = form.get("action", "")
        entity, name = form.get("entity", "").strip(), form.get("name", "").strip()

        def change(desk: Any) -> None:
            if action == "define":
                choices = [c.strip() for c in form.get("choices", "").split(",") if c.strip()]
                desk.fields.define(
                    NewField(
                        entity,
                        name,
                        form.get("type", "text"),
                        tuple(choices),
                        form.get("required") == "1",
                        form.get("label", "").strip() or None,
                        form.get("label_zh", "").strip() or None,
                    )
                )
            elif action == "archive":
                desk.fields.archive(entity, name)
            elif action == "restore":
                desk.fields.restore(entity, name)
            else:
                raise CrmError(i18n._("No such page."))

        try:
            await self.pages.as_user(bearer, request, change, write=True)
        except CrmError as refused:
            return await self.fields_page(
                request, bearer, reason=reason_of(refused), status=status_of(refused), values=form
            )
        return RedirectResponse("/admin/fields?saved=1", 303)

    def routes(self) -> list[Route]:
        page = self.pages.page
        return [
            Route("/admin/picklists", page(self.picklists), methods=["GET"]),
            Route("/admin/picklists/{name}", page(self.picklist), methods=["GET"]),
            Route("/admin/picklists/{name}", page(self.change_picklist), methods=["POST"]),
            Route("/admin/fields", page(self.fields), methods=["GET"]),
            Route("/admin/fields", page(self.change_fields), methods=["POST"]),
        ]
