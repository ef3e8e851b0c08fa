"""An administrator's pages: the people (add, role, team, deactivate, a first password), their
API tokens (created with the secret shown once, revoked), and the deployment's plugins (enable,
disable, with what each adds). Every change goes through `crm_core.api`, which refuses it to
anyone but an admin; the pages only spare others a form they could not use."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from crm_core.api.common import KEEP
from crm_core.api.crm import Crm
from crm_core.api.users import NewUser, UserChanges
from crm_core.foundation import i18n
from crm_core.foundation.dates import parse_day
from crm_core.foundation.errors import CrmError, NotFound
from crm_core.server.problems import reason_of, status_of

if TYPE_CHECKING:
    from crm_core.api.sign_in import Bearer
    from crm_core.server.web.page_kit import PageKit

ROLES = ("sales", "manager", "admin")


class AdminPages:
    def __init__(self, pages: PageKit) -> None:
        self.pages = pages

    # -- people -------------------------------------------------------------------------------

    async def users_page(
        self,
        request: Request,
        bearer: Bearer,
        *,
        values: dict[str, str] | None = None,
        reason: str | None = None,
        status: int = 200,
        shown_secret: dict[str, str] | None = None,
    ) -> Response:
        pages = self.pages
        people, teams = await pages.as_user(
            bearer, request, lambda d: (d.users.list(), d.teams.list()), write=False
        )
        return pages.shown(
            request,
            bearer,
            "admin_users.html",
            status,
            people=people,
            teams=teams,
            roles=ROLES,
            values=values or {},
            reason=reason,
            secret=shown_secret,
        )

    async def users(self, request: Request) -> Response:
        return await self.users_page(request, await self.pages.signed_in_admin(request))

    async def add_user(self, request: Request) -> Response:
        form = await self.pages.form(request)
        bearer = await self.pages.signed_in_admin(request, form_csrf=form.get("csrf"))
        new = NewUser(
            form.get("login", "").strip(),
            form.get("name", "").strip(),
            form.get("role", "sales"),
            form.get("team") or None,
            form.get("email", "").strip() or None,
        )
        password = secrets.token_urlsafe(12)

        def add(desk: Any) -> None:
            desk.users.add(new)
            desk.users.set_password(new.login, password)

        try:
            await self.pages.as_user(bearer, request, add, write=True)
        except CrmError as refused:
            return await self.users_page(
                request, bearer, values=form, reason=reason_of(refused), status=status_of(refused)
            )
        return await self.users_page(
            request, bearer, shown_secret={"login": new.login, "password": password}
        )

    async def person_page(
        self,
        request: Request,
        bearer: Bearer,
        *,
        reason: str | None = None,
        status: int = 200,
        password: str | None = None,
        token: str | None = None,
    ) -> Response:
        pages = self.pages
        login = request.path_params["login"]
        person, teams, tokens = await pages.as_user(
            bearer,
            request,
            lambda d: (d.users.get(login), d.teams.list(), d.tokens.list(login)),
            write=False,
        )
        return pages.shown(
            request,
            bearer,
            "admin_user.html",
            status,
            person=person,
            teams=teams,
            roles=ROLES,
            tokens=tokens,
            reason=reason,
            password=password,
            token=token,
            saved=request.query_params.get("saved") == "1",
        )

    async def person(self, request: Request) -> Response:
        return await self.person_page(request, await self.pages.signed_in_admin(request))

    async def change_person(self, request: Request) -> Response:
        form = await self.pages.form(request)
        bearer = await self.pages.signed_in_admin(request, form_csrf=form.get("csrf"))
        login = request.path_params["login"]
        action = form.get("action", "save")
        password: str | None = None
        token: str | None = None

        def change(desk: Any) -> None:
            nonlocal password, token
            if action == "password":
                password = secrets.token_urlsafe(12)
                desk.users.set_password(login, password)
            elif action == "token":
                expires = form.get("expires", "").strip()
                made = desk.tokens.create(
                    login,
                    form.get("token_name", "").strip(),
                    form.get("scope", "read"),
                    parse_day(expires) if expires else None,
                )
                token = made.secret
            elif action.startswith("revoke:"):
                desk.tokens.revoke(int(action.split(":", 1)[1]))
            else:
                desk.users.change(
                    login,
                    UserChanges(
                        name=form.get("name", "").strip() or KEEP,
                        role=form.get("role") or KEEP,
                        team=form.get("team") or KEEP,
                        active=form.get("active") == "1",
                    ),
                )

        try:
            if action.startswith("revoke:") and not action[7:].isdigit():
                raise CrmError(i18n._("No such page."))
            await self.pages.as_user(bearer, request, change, write=True)
        except CrmError as refused:
            return await self.person_page(
                request, bearer, reason=reason_of(refused), status=status_of(refused)
            )
        if password is not None or token is not None:
            # Shown this once, on this answer; never stored in the clear, never in a URL.
            return await self.person_page(request, bearer, password=password, token=token)
        return RedirectResponse(f"/admin/users/{login}?saved=1", 303)

    # -- plugins ------------------------------------------------------------------------------

    async def plugins_page(
        self, request: Request, bearer: Bearer, *, reason: str | None = None, status: int = 200
    ) -> Response:
        pages = self.pages
        deployment = pages.server.deployment

        def read() -> list[Any]:
            plugins = Crm(deployment).plugins
            return [plugins.info(r.name) if r.installed else r for r in plugins.list()]

        found = await run_in_threadpool(read)
        return pages.shown(
            request,
            bearer,
            "admin_plugins.html",
            status,
            plugins=found,
            reason=reason,
            done=request.query_params.get("done"),
        )

    async def plugins(self, request: Request) -> Response:
        return await self.plugins_page(request, await self.pages.signed_in_admin(request))

    async def switch_plugin(self, request: Request) -> Response:
        form = await self.pages.form(request)
        bearer = await self.pages.signed_in_admin(request, form_csrf=form.get("csrf"))
        name, action = request.path_params["name"], request.path_params["action"]
        if action not in {"enable", "disable"}:
            raise NotFound(i18n._("No such page."))
        plugins = Crm(self.pages.server.deployment).plugins
        login = bearer.actor.login

        def switch() -> None:
            if action == "enable":
                plugins.enable([name], as_login=login, with_deps=True)
            else:
                plugins.disable(name, as_login=login)

        try:
            await run_in_threadpool(switch)
        except CrmError as refused:
            return await self.plugins_page(
                request, bearer, reason=reason_of(refused), status=status_of(refused)
            )
        return RedirectResponse(f"/admin/plugins?done={action}", 303)

    def routes(self) -> list[Route]:
        page = self.pages.page
        return [
            Route("/admin/users", page(self.users), methods=["GET"]),
            Route("/admin/users", page(self.add_user), methods=["POST"]),
            Route("/admin/users/{login}", page(self.person), methods=["GET"]),
            Route("/admin/users/{login}", page(self.change_person), methods=["POST"]),
            Route("/admin/plugins", page(self.plugins), methods=["GET"]),
            Route(
                "/admin/plugins/{name}/{action:str}",
                page(self.switch_plugin),
                methods=["POST"],
            ),
        ]
