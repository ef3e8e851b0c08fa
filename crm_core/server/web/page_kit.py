"""What every page shares: the language, the session and its CSRF token, units of work as the
signed-in person, the layout with the menu, the headers, and turning a refusal into a page."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from crm_core.api.crm import Crm
from crm_core.api.sign_in import Bearer
from crm_core.foundation import i18n
from crm_core.foundation.errors import CrmError, PermissionDenied
from crm_core.kernel.deployment import Deployment
from crm_core.server import auth
from crm_core.server.clients import language_of
from crm_core.server.problems import Problem, reason_of, status_of
from crm_core.server.web.plugin_pages import menu
from crm_core.server.web.rendering import has_htmx, render

LANGUAGE_COOKIE = "crm_lang"


class Serving(Protocol):
    """What the pages use of the server (crm_core.server.app.Server)."""

    deployment: Deployment
    config: Any
    gate: Any
    throttle: Any
    tables: Any

    def speaking(self, language: str) -> Any: ...


#: Every page: not cached (it shows customer data), scripts and styles only from this site, never
#: framed, nothing sniffed, no address sent to another site.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

log = logging.getLogger("crm.server")


class SignedOut(Exception):
    """No valid session: the browser goes to the sign-in page."""


class Redirect(Exception):
    """The browser goes to `target` (a page it may not see yet, such as before a password)."""

    def __init__(self, target: str) -> None:
        self.target = target


class PageKit:
    def __init__(self, server: Serving) -> None:
        self.server = server

    # -- plumbing --------------------------------------------------------------------------

    def language(self, request: Request) -> str:
        chosen = request.cookies.get(LANGUAGE_COOKIE)
        if chosen in {"zh", "en"}:
            return str(chosen)
        return language_of(request, self.server.config.language)

    def page(self, handler: Callable[..., Any]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            language = self.language(request)
            request.state.language = language
            request.state.routes = await run_in_threadpool(self.server.tables.current)
            with self.server.speaking(language):
                try:
                    answer: Response = await handler(request)
                    return answer
                except Redirect as moved:
                    return RedirectResponse(moved.target, 303)
                except SignedOut:
                    target = request.url.path
                    if request.url.query:
                        target += "?" + request.url.query
                    return RedirectResponse(f"/sign-in?next={quote(target, safe='')}", 303)
                except Problem as refused:
                    return self.error_page(request, refused.status, refused.detail)
                except CrmError as refused:
                    return self.error_page(request, status_of(refused), reason_of(refused))
                except HTTPException:
                    raise
                except Exception:
                    log.exception("defect serving page %s %s", request.method, request.url.path)
                    reason = i18n._("internal error; the server's log says where")
                    return self.error_page(request, 500, reason)

        return endpoint

    def wants_page(self, request: Request) -> bool:
        """A browser asking for a path outside the API: it gets a page, not a problem document."""
        path = request.url.path
        if path.startswith(("/api/", "/static/")) or path in {"/api", "/healthz"}:
            return False
        return "text/html" in request.headers.get("accept", "")

    def unrouted(self, request: Request, status: int) -> Response:
        with self.server.speaking(self.language(request)):
            if status == 405:
                reason = i18n._("This page does not take {method}.", method=request.method)
            else:
                reason = i18n._("No such page.")
            return self.error_page(request, status, reason)

    def error_page(self, request: Request, status: int, reason: str) -> Response:
        return self.html(request, "error.html", status, code=status, reason=reason)

    def html(self, request: Request, template: str, status: int = 200, **values: Any) -> Response:
        values.setdefault("user", None)
        values.setdefault("csrf", "")
        routes = getattr(request.state, "routes", None)
        pages = routes.pages if routes is not None else []
        user = values["user"]
        values["menu"] = menu(pages, user["role"], request.state.language) if user else []
        packages = tuple(sorted({p.page.package for p in pages if p.page.package}))
        text = render(template, packages, path=request.url.path, htmx=has_htmx(), **values)
        response = HTMLResponse(text, status_code=status)
        response.headers.update(PAGE_HEADERS)
        return response

    def shown(
        self, request: Request, bearer: Bearer, template: str, status: int = 200, **values: Any
    ) -> Response:
        """A page for the signed-in person: the layout's name and the forms' CSRF token."""
        return self.html(
            request,
            template,
            status,
            user=self.person(bearer),
            csrf=self.csrf_of(request),
            **values,
        )

    async def signed_in(self, request: Request, *, form_csrf: str | None = None) -> Bearer:
        if request.headers.get("authorization"):
            raise Problem(403, i18n._("Pages are for people signed in; programs use /api/v1."))
        try:
            bearer = await auth.authenticate(request, self.server.gate, form_csrf=form_csrf)
        except Problem as refused:
            if refused.status == 401:
                raise SignedOut from None
            raise
        request.state.user_id = bearer.actor.id
        if bearer.must_change and request.url.path != "/password":
            raise Redirect("/password")
        return bearer

    async def signed_in_admin(self, request: Request, *, form_csrf: str | None = None) -> Bearer:
        """`signed_in`, for a page only an administrator may open (the core refuses the
        changes to anyone else too; this spares them a form they could not use)."""
        bearer = await self.signed_in(request, form_csrf=form_csrf)
        if bearer.actor.role != "admin":
            raise PermissionDenied(i18n._("Only an administrator may open this page."))
        return bearer

    def csrf_of(self, request: Request) -> str:
        token = auth.session_token(request, self.server.gate)
        return auth.csrf_token(self.server.gate, token) if token else ""

    async def form(self, request: Request) -> dict[str, str]:
        form = await request.form(max_files=0, max_fields=50)
        return {key: value for key, value in form.items() if isinstance(value, str)}

    async def as_user(self, bearer: Bearer, request: Request, call: Any, *, write: bool) -> Any:
        language = request.state.language

        def work() -> Any:
            with Crm(self.server.deployment).as_user(
                bearer.actor.login, write=write, language=language
            ) as desk:
                return call(desk)

        return await run_in_threadpool(work)

    def person(self, bearer: Bearer) -> dict[str, Any]:
        return {"login": bearer.actor.login, "name": bearer.actor.name, "role": bearer.actor.role}


def safe_next(target: str) -> str:
    """Only a path of this site: never another site (an open redirect), never a scheme."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/today"
    return target
