"""The pages: sign-in, choosing one's own password, Today, customers (search as you type, keyset
pages), registering a customer with the protection answer, the 360 view, logging a visit.

A page needs a signed-in session (an API token is for programs, not pages); without one it
sends the browser to /sign-in and back. A form that changes data carries the session's CSRF
token in a hidden field; a refusal shows the same one-line reason the CLI and the REST API give,
on the form, with what was typed kept."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from crm_core.api.customers import CustomerQuery, NewCustomer
from crm_core.api.interactions import InteractionQuery, NewInteraction
from crm_core.api.sign_in import Bearer, SignInRefused
from crm_core.foundation import i18n
from crm_core.foundation.dates import parse_day
from crm_core.foundation.errors import CrmError
from crm_core.server import auth
from crm_core.server.clients import client_of
from crm_core.server.problems import Problem, reason_of, status_of
from crm_core.server.web.admin_pages import AdminPages
from crm_core.server.web.configuration_pages import ConfigurationPages
from crm_core.server.web.page_kit import LANGUAGE_COOKIE, PageKit, safe_next
from crm_core.server.web.plugin_pages import (
    Moved,
    PageRequest,
    Shown,
    Upload,
    match,
    scratch,
)
from crm_core.server.web.report_pages import ReportPages
from crm_core.server.web.team_pages import TeamPages
from crm_core.server.web.worksheet_pages import WorksheetPages

#: The route that serves the plugins' pages of the current snapshot.
CATCH_ALL = "/{rest:path}"
#: Customers per page of the list; the next page is asked for with the last id (keyset).
PAGE = 30
#: The interaction kinds offered as one-tap buttons, in this order, when the picklist has them.
QUICK_KINDS = ("visit", "call", "wechat", "email", "meeting")


class Pages(PageKit):
    """The core's pages, and the routes of every page (the core's, then the plugins')."""

    # -- signing in --------------------------------------------------------------------------

    async def sign_in_form(self, request: Request) -> Response:
        return self.html(request, "sign_in.html", login="", next=_next(request), reason=None)

    async def sign_in(self, request: Request) -> Response:
        server = self.server
        values = await self.form(request)
        login, password = values.get("login", "").strip(), values.get("password", "")
        target = safe_next(values.get("next", ""))
        client = client_of(request)
        wait = server.throttle.blocked(client)
        if wait is not None:
            reason = i18n._("Too many failed sign-ins from here; wait a few minutes.")
            return self.html(request, "sign_in.html", 429, login=login, next=target, reason=reason)
        if not login or not password:
            reason = i18n._("Send login and password.")
            return self.html(request, "sign_in.html", 422, login=login, next=target, reason=reason)
        try:
            issued = await run_in_threadpool(
                server.gate.sign_in, login, password, client, request.state.language
            )
        except SignInRefused as refused:
            server.throttle.failed(client)
            return self.html(
                request, "sign_in.html", 401, login=login, next=target, reason=str(refused)
            )
        response = RedirectResponse("/password" if issued.must_change else target, 303)
        auth.set_session(response, request, server.gate, issued)
        return response

    async def sign_out(self, request: Request) -> Response:
        values = await self.form(request)
        await self.signed_in(request, form_csrf=values.get("csrf"))
        token = auth.session_token(request, self.server.gate)
        if token is not None:
            await run_in_threadpool(self.server.gate.sign_out, token)
        response = RedirectResponse("/sign-in", 303)
        auth.clear_session(response)
        return response

    async def password_form(self, request: Request) -> Response:
        bearer = await self.signed_in(request)
        return self.shown(
            request,
            bearer,
            "password.html",
            must_change=bearer.must_change,
            reason=None,
        )

    async def change_password(self, request: Request) -> Response:
        values = await self.form(request)
        bearer = await self.signed_in(request, form_csrf=values.get("csrf"))
        current, new = values.get("current", ""), values.get("new", "")
        if new != values.get("again", ""):
            reason = i18n._("The two new passwords differ.")
        else:
            try:
                await self.as_user(
                    bearer, request, lambda d: d.users.change_password(current, new), write=True
                )
            except CrmError as refused:
                reason = reason_of(refused)
            else:
                # Changing the password ends every session, this one too: sign in again.
                response = RedirectResponse("/sign-in?changed=1", 303)
                auth.clear_session(response)
                return response
        return self.shown(
            request,
            bearer,
            "password.html",
            422,
            must_change=bearer.must_change,
            reason=reason,
        )

    async def choose_language(self, request: Request) -> Response:
        values = await self.form(request)
        chosen = values.get("language")
        response = RedirectResponse(safe_next(values.get("next", "")), 303)
        if chosen in {"zh", "en"}:
            response.set_cookie(
                LANGUAGE_COOKIE, chosen, max_age=365 * 86400, samesite="lax", httponly=True
            )
        return response

    # -- Today -------------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        return RedirectResponse("/today", 303)

    async def today(self, request: Request) -> Response:
        bearer = await self.signed_in(request)

        def read(desk: Any) -> dict[str, Any]:
            rows = desk.reports.reminders(None, None, 20)
            return {"rows": rows, "day": desk.context.today()}

        found = await self.as_user(bearer, request, read, write=False)
        mine = [r for r in found["rows"] if r.get("person") == bearer.actor.login]
        team = [r for r in found["rows"] if r.get("person") != bearer.actor.login]
        return self.shown(
            request,
            bearer,
            "today.html",
            day=found["day"],
            mine=mine,
            team=team,
        )

    # -- customers ---------------------------------------------------------------------------

    async def customers(self, request: Request) -> Response:
        bearer = await self.signed_in(request)
        listing = await self.customer_page(bearer, request)
        template = "customer_rows.html" if request.headers.get("hx-request") else "customers.html"
        return self.shown(
            request,
            bearer,
            template,
            **listing,
        )

    async def customer_page(self, bearer: Bearer, request: Request) -> dict[str, Any]:
        params = request.query_params
        text = params.get("q", "").strip()
        level = params.get("level") or None
        after = params.get("after", "0")
        after_id = int(after) if after.isascii() and after.isdigit() and len(after) < 19 else 0
        query = CustomerQuery(level=level, prefix=text or None)

        def read(desk: Any) -> dict[str, Any]:
            page = desk.customers.list(query, after=after_id, limit=PAGE)
            # The levels are a block's picklist (customer_resources): without it, no filter.
            named = {p.picklist for p in desk.picklists.lists()}
            levels = desk.picklists.choices("customer_level") if "customer_level" in named else []
            return {"page": page, "levels": levels}

        found = await self.as_user(bearer, request, read, write=False)
        page = found["page"]
        more = None
        if page.after is not None:
            more = "/customers?" + _query(q=text, level=level or "", after=str(page.after))
        return {
            "rows": list(page.items),
            "q": text,
            "level": level or "",
            "levels": found["levels"],
            "more": more,
            "first": after_id == 0,
        }

    async def registration(
        self,
        request: Request,
        bearer: Bearer,
        values: dict[str, str],
        reason: str | None,
        status: int,
    ) -> Response:
        industries, regions, fields = await self.as_user(
            bearer,
            request,
            lambda d: (
                d.picklists.choices("industry"),
                d.picklists.choices("region"),
                d.fields.catalogue("customers"),
            ),
            write=False,
        )
        return self.shown(
            request,
            bearer,
            "new_customer.html",
            status,
            values=values,
            reason=reason,
            industries=industries,
            regions=regions,
            fields=fields,
        )

    async def new_customer_form(self, request: Request) -> Response:
        bearer = await self.signed_in(request)
        return await self.registration(request, bearer, {}, None, 200)

    async def create_customer(self, request: Request) -> Response:
        values = await self.form(request)
        bearer = await self.signed_in(request, form_csrf=values.get("csrf"))
        name = values.get("name", "").strip()
        new = NewCustomer(
            name,
            phone=values.get("phone") or None,
            industry=values.get("industry") or None,
            region=values.get("region") or None,
            notes=values.get("notes") or None,
            # The deployment's custom fields, as the form names them: "custom.<field>".
            custom={
                key.removeprefix("custom."): value
                for key, value in values.items()
                if key.startswith("custom.") and value.strip()
            },
        )
        try:
            made = await self.as_user(
                bearer, request, lambda d: d.customers.create(new), write=True
            )
        except CrmError as refused:
            return await self.registration(
                request, bearer, values, reason_of(refused), status_of(refused)
            )
        return RedirectResponse(f"/customers/{made.id}?registered=1", 303)

    async def customer(self, request: Request) -> Response:
        bearer = await self.signed_in(request)
        ref = request.path_params["ref"]

        def read(desk: Any) -> dict[str, Any]:
            profile = desk.customers.profile(ref)
            timeline = desk.interactions.list(
                InteractionQuery(customer=profile.customer.id), limit=200
            )
            return {"profile": profile, "timeline": list(reversed(timeline.items))[:50]}

        found = await self.as_user(bearer, request, read, write=False)
        return self.shown(
            request,
            bearer,
            "customer.html",
            customer=found["profile"].customer,
            sections=[s for s in found["profile"].sections if s.rows],
            timeline=found["timeline"],
            registered=request.query_params.get("registered") == "1",
            logged=request.query_params.get("logged") == "1",
        )

    async def log_page(
        self,
        request: Request,
        bearer: Bearer,
        values: dict[str, str] | None,
        reason: str | None,
        status: int,
    ) -> Response:
        """The log form: the customer's name and the kinds, the most used first (None: a new
        form with the first kind chosen)."""
        ref = request.path_params["ref"]
        customer, kinds = await self.as_user(
            bearer,
            request,
            lambda d: (d.customers.get(ref), d.picklists.choices("interaction_kind")),
            write=False,
        )
        kinds = _quick_first(kinds)
        if values is None:
            values = {"kind": kinds[0].code if kinds else ""}
        return self.shown(
            request,
            bearer,
            "log.html",
            status,
            customer=customer,
            kinds=kinds,
            values=values,
            reason=reason,
        )

    async def log_form(self, request: Request) -> Response:
        return await self.log_page(request, await self.signed_in(request), None, None, 200)

    async def log(self, request: Request) -> Response:
        values = await self.form(request)
        bearer = await self.signed_in(request, form_csrf=values.get("csrf"))
        try:
            next_on: date | None = parse_day(values["next"]) if values.get("next") else None
            new = NewInteraction(
                request.path_params["ref"],
                values.get("kind", ""),
                notes=values.get("notes") or None,
                next_contact_on=next_on,
            )
            logged = await self.as_user(
                bearer, request, lambda d: d.interactions.log(new), write=True
            )
        except CrmError as refused:
            return await self.log_page(
                request, bearer, values, reason_of(refused), status_of(refused)
            )
        return RedirectResponse(f"/customers/{logged.customer_id}?logged=1", 303)

    # -- the plugins' pages ----------------------------------------------------------------------

    async def plugin_page(self, request: Request) -> Response:
        found, params, allowed = match(request.state.routes.pages, request.method, request.url.path)
        if found is None:
            allowed = sorted({*allowed, *_core_methods(request)})
            if not self.wants_page(request):  # a program: the application's problem document
                headers = {"Allow": ", ".join(allowed)} if allowed else None
                raise HTTPException(405 if allowed else 404, headers=headers)
            return self.unrouted(request, 405 if allowed else 404)
        values: dict[str, str] = dict(request.query_params)
        with scratch() as folder:
            files: dict[str, Upload] = {}
            if request.method == "POST":
                limit = self.server.config.most_upload_bytes
                length = request.headers.get("content-length", "")
                if length.isdigit() and int(length) > limit:
                    raise Problem(413, i18n._("The request body is over {n} bytes.", n=limit))
                form = await request.form(max_files=10, max_fields=200)
                bearer = await self.signed_in(request, form_csrf=_text(form.get("csrf")))
                for key, value in form.multi_items():
                    if isinstance(value, str):
                        values[key] = value
                    elif value.filename:
                        files[key] = await _saved(value, folder / str(len(files)))
            else:
                bearer = await self.signed_in(request)
            served = PageRequest(
                self.server.deployment,
                bearer.actor,
                request.state.language,
                request.method,
                params,
                values,
                files,
            )

            def answer() -> Shown | Moved:
                with self.server.speaking(request.state.language):
                    result: Shown | Moved = found.page.handler(served)
                    return result

            result = await run_in_threadpool(answer)
        if isinstance(result, Moved):
            return RedirectResponse(safe_next(result.target), 303)
        return self.html(
            request,
            result.template,
            result.status,
            **{
                **result.values,
                "user": self.person(bearer),
                "csrf": self.csrf_of(request),
                "page_title": found.title(request.state.language),
            },
        )

    def routes(self) -> list[Route]:
        page = self.page
        return [
            Route("/", page(self.home), methods=["GET"]),
            Route("/sign-in", page(self.sign_in_form), methods=["GET"]),
            Route("/sign-in", page(self.sign_in), methods=["POST"]),
            Route("/sign-out", page(self.sign_out), methods=["POST"]),
            Route("/password", page(self.password_form), methods=["GET"]),
            Route("/password", page(self.change_password), methods=["POST"]),
            Route("/language", page(self.choose_language), methods=["POST"]),
            Route("/today", page(self.today), methods=["GET"]),
            Route("/customers", page(self.customers), methods=["GET"]),
            Route("/customers/new", page(self.new_customer_form), methods=["GET"]),
            Route("/customers/new", page(self.create_customer), methods=["POST"]),
            Route("/customers/{ref}", page(self.customer), methods=["GET"]),
            Route("/customers/{ref}/log", page(self.log_form), methods=["GET"]),
            Route("/customers/{ref}/log", page(self.log), methods=["POST"]),
            *ReportPages(self).routes(),
            *TeamPages(self).routes(),
            *AdminPages(self).routes(),
            *ConfigurationPages(self).routes(),
            *WorksheetPages(self).routes(),
            # Last: the plugins' pages of the current snapshot, else "no such page".
            Route(CATCH_ALL, page(self.plugin_page), methods=["GET", "POST"]),
        ]


def _core_methods(request: Request) -> set[str]:
    """The methods the application's own routes take at this path (a POST to /healthz is a
    405, not a missing plugin page)."""
    taken: set[str] = set()
    for route in request.app.router.routes:
        own = isinstance(route, Route) and route.path != CATCH_ALL and route.methods
        if own and route.path_regex.match(request.url.path):
            taken |= route.methods - {"HEAD"}
    return taken


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


async def _saved(upload: Any, folder: Path) -> Upload:
    """An uploaded file written to `folder` under its own name (its last part only)."""
    name = Path(str(upload.filename).replace("\\", "/")).name.strip() or "upload"
    folder.mkdir(parents=True)
    path = folder / name[:200]
    with path.open("wb") as out:
        while chunk := await upload.read(1024 * 1024):
            out.write(chunk)
    return Upload(path, name, upload.content_type or "application/octet-stream")


def _next(request: Request) -> str:
    return safe_next(request.query_params.get("next", ""))


def _query(**values: str) -> str:
    return "&".join(f"{k}={quote(v, safe='')}" for k, v in values.items() if v)


def _quick_first(kinds: list[Any]) -> list[Any]:
    order = {code: n for n, code in enumerate(QUICK_KINDS)}
    return sorted(kinds, key=lambda k: order.get(k.code, len(order)))
