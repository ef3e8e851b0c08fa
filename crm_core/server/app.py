"""The ASGI application of one deployment: health, sign-in, the REST API and its OpenAPI
document. Every API request is authenticated, then served by a route of the command table
(`command_routes`) or one a plugin registered (`crm_register_routes`), in a worker thread, as
the signed-in user."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import attrs
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from crm_core.api.crm import Crm
from crm_core.api.sign_in import Bearer, Gate, SignInRefused
from crm_core.foundation import i18n
from crm_core.foundation.errors import CrmError
from crm_core.kernel.deployment import Deployment
from crm_core.server import auth, capture, downloads, etags, idempotency, jobs, locks, openapi
from crm_core.server.access_log import AccessLog
from crm_core.server.clients import client_of, language_of
from crm_core.server.plugin_routes import PluginRoute, RouteRequest
from crm_core.server.problems import Problem, problem, reason_of, status_of
from crm_core.server.route_table import Routes, RouteTable
from crm_core.server.runner import BadRequest, Outcome, Upload, run, scratch_dir
from crm_core.server.web import rendering
from crm_core.server.web.pages import Pages

log = logging.getLogger("crm.server")

#: Bodies larger than these are refused before they are read.
MOST_JSON_BYTES = 1 * 1024 * 1024
MOST_UPLOAD_BYTES = 50 * 1024 * 1024


@attrs.frozen
class ServerConfig:
    most_json_bytes: int = MOST_JSON_BYTES
    most_upload_bytes: int = MOST_UPLOAD_BYTES
    #: The language of answers when the request's Accept-Language names none we speak.
    language: str = "zh"
    #: Run the daily jobs in this process (`crm serve --no-jobs` leaves them to `crm jobs run`).
    jobs: bool = False


class Server:
    """The state the application shares between requests: the deployment, the sign-in gate,
    the route tables by plugin snapshot, the sign-in throttle."""

    def __init__(self, deployment: Deployment, config: ServerConfig) -> None:
        self.deployment = deployment
        self.config = config
        self.gate = Gate(deployment)
        self.throttle = auth.Throttle()
        self.tables = RouteTable(deployment)
        database = deployment.database_file or deployment.label
        self.downloads = downloads.folder_for(database)

    # -- plumbing ---------------------------------------------------------------------------

    def speaking(self, language: str) -> Any:
        return i18n.using(self.deployment.runtime.translator(language))

    async def read_body(self, request: Request, limit: int) -> bytes:
        length = request.headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                raise Problem(400, "Content-Length is not a number")
            if int(length) > limit:
                raise Problem(413, i18n._("The request body is over {n} bytes.", n=limit))
        chunks: list[bytes] = []
        total = 0
        async for chunk in request.stream():
            total += len(chunk)
            if total > limit:
                raise Problem(413, i18n._("The request body is over {n} bytes.", n=limit))
            chunks.append(chunk)
        body = b"".join(chunks)
        request._body = body  # starlette reads a cached body for form()
        return body

    # -- handlers ---------------------------------------------------------------------------

    async def healthz(self, request: Request) -> Response:
        def probe() -> None:
            with self.deployment.engine.connect() as connection:
                connection.execute(text("SELECT 1"))

        try:
            await run_in_threadpool(probe)
        except Exception:
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
        return JSONResponse({"status": "ok", "database": "ok"})

    async def sign_in(self, request: Request) -> Response:
        client = client_of(request)
        wait = self.throttle.blocked(client)
        if wait is not None:
            raise Problem(
                429,
                i18n._("Too many failed sign-ins from here; wait a few minutes."),
                {"Retry-After": str(int(wait) + 1)},
            )
        body = await self.read_body(request, 16 * 1024)
        values = await _fields(request, body)
        login = values.get("login")
        password = values.get("password")
        if not isinstance(login, str) or not isinstance(password, str) or not login:
            raise Problem(422, i18n._("Send login and password."))
        language = getattr(request.state, "language", self.config.language)
        try:
            issued = await run_in_threadpool(self.gate.sign_in, login, password, client, language)
        except SignInRefused as refused:
            self.throttle.failed(client)
            raise Problem(401, str(refused)) from None
        request.state.user_id = issued.user_id
        response = JSONResponse(
            {
                "login": issued.login,
                "must_change_password": issued.must_change,
                "expires_at": issued.expires_at.isoformat(),
                "csrf_token": auth.csrf_token(self.gate, issued.token),
            },
            status_code=201,
        )
        auth.set_session(response, request, self.gate, issued)
        return response

    async def whoami(self, request: Request) -> Response:
        bearer = await self.bearer(request, allow_must_change=True)
        actor = bearer.actor
        return JSONResponse(
            {
                "login": actor.login,
                "name": actor.name,
                "role": actor.role,
                "permissions": sorted(actor.permissions),
                "via": bearer.kind,
                "scope": bearer.scope,
                "must_change_password": bearer.must_change,
            }
        )

    async def sign_out(self, request: Request) -> Response:
        await self.bearer(request, allow_must_change=True)
        token = auth.session_token(request, self.gate)
        if token is not None:
            await run_in_threadpool(self.gate.sign_out, token)
        response = Response(status_code=204)
        auth.clear_session(response)
        return response

    async def change_password(self, request: Request) -> Response:
        bearer = await self.bearer(request, allow_must_change=True)
        if bearer.kind != "session":
            raise Problem(403, i18n._("Change a password signed in, not with an API token."))
        values = await _fields(request, await self.read_body(request, 16 * 1024))
        current, new = values.get("current"), values.get("new")
        if not isinstance(current, str) or not isinstance(new, str):
            raise Problem(422, i18n._("Send current and new."))
        await self.in_unit(
            bearer, request, write=True, call=lambda d: d.users.change_password(current, new)
        )
        return Response(status_code=204)

    async def set_password(self, request: Request) -> Response:
        bearer = await self.bearer(request)
        login = request.path_params["login"]
        values = await _fields(request, await self.read_body(request, 16 * 1024))
        password = values.get("password")
        generated = password is None and values.get("generate") in (True, "true")
        if generated:
            password = secrets.token_urlsafe(12)
        if not isinstance(password, str):
            raise Problem(422, i18n._("Send password, or generate: true."))
        await self.in_unit(
            bearer, request, write=True, call=lambda d: d.users.set_password(login, password)
        )
        return JSONResponse(
            {"login": login, "password": password} if generated else {"login": login}
        )

    async def in_unit(self, bearer: Bearer, request: Request, *, write: bool, call: Any) -> Any:
        if write and bearer.scope != "write":
            raise Problem(403, i18n._("This API token may only read."))
        language = request.state.language

        def work() -> Any:
            with Crm(self.deployment).as_user(
                bearer.actor.login, write=write, language=language
            ) as desk:
                return call(desk)

        return await run_in_threadpool(work)

    async def bearer(
        self, request: Request, *, allow_must_change: bool = False, form_csrf: str | None = None
    ) -> Bearer:
        found = await auth.authenticate(request, self.gate, form_csrf=form_csrf)
        request.state.user_id = found.actor.id
        if found.must_change and not allow_must_change:
            raise Problem(
                403,
                i18n._("Choose your own password first (POST /api/v1/session/password)."),
            )
        return found

    async def download(self, request: Request) -> Response:
        bearer = await self.bearer(request)
        assert bearer.actor.id is not None
        found = downloads.find(self.downloads, bearer.actor.id, request.path_params["token"])
        if found is None:
            raise Problem(404, i18n._("No such download (they are kept for a day)."))
        return _file_response(found)

    async def openapi_json(self, request: Request) -> Response:
        table = await run_in_threadpool(self.tables.current)
        return JSONResponse(openapi.document(table), media_type="application/json")

    async def docs(self, request: Request) -> Response:
        table = await run_in_threadpool(self.tables.current)
        return HTMLResponse(openapi.html_page(openapi.document(table)))

    async def api(self, request: Request) -> Response:
        """Every other /api/v1 request: a command route or a plugin's route."""
        table = await run_in_threadpool(self.tables.current)
        path = request.url.path
        found = table.match(request.method, path)
        if found is None:
            allowed = table.methods(path)
            if allowed:
                raise Problem(405, _not_taken(request), {"Allow": ", ".join(allowed)})
            raise Problem(404, i18n._("No such route: {path}", path=_route_text(path)))
        route, params = found
        request.state.route = route.path
        bearer = await self.bearer(request, form_csrf=None)
        if not route.reads and bearer.scope != "write":
            raise Problem(403, i18n._("This API token may only read."))
        if isinstance(route, PluginRoute):
            return await self.plugin_route(request, route, params, bearer)
        return await self.command_route(request, table, route, params, bearer)

    async def plugin_route(
        self, request: Request, route: PluginRoute, params: dict[str, str], bearer: Bearer
    ) -> Response:
        values: dict[str, Any] = dict(request.query_params)
        if not route.reads:
            values.update(
                await _fields(request, await self.read_body(request, self.config.most_json_bytes))
            )
        served = RouteRequest(
            self.deployment, bearer.actor, request.state.language, params, values, route.reads
        )
        data = await run_in_threadpool(route.handler, served)
        return JSONResponse(_jsonable(data), status_code=201 if route.creates else 200)

    async def command_route(
        self, request: Request, table: Any, route: Any, params: dict[str, str], bearer: Bearer
    ) -> Response:
        values: dict[str, Any] = dict(params)
        uploads: dict[str, Upload] = {}
        scratch = scratch_dir()
        body = b""
        try:
            if route.reads:
                for key in request.query_params:
                    if key in values:
                        raise BadRequest(f"{key!r} is part of the path")
                    items = request.query_params.getlist(key)
                    param = route.param(key)
                    values[key] = items if param is not None and param.multiple else items[-1]
            else:
                limit = (
                    self.config.most_upload_bytes if route.uploads else self.config.most_json_bytes
                )
                body = await self.read_body(request, limit)
                given = await _fields(request, body, uploads=uploads, scratch=scratch)
                for key, value in given.items():
                    if key in values:
                        raise BadRequest(f"{key!r} is part of the path")
                    values[key] = value
            wanted_key = request.headers.get("idempotency-key")
            if wanted_key is not None and request.method == "POST":
                return await self.idempotent(
                    request,
                    wanted_key,
                    body,
                    bearer,
                    lambda: self.conditional(
                        request, table, route, values, uploads, scratch, bearer
                    ),
                )
            return await self.conditional(request, table, route, values, uploads, scratch, bearer)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    async def idempotent(
        self, request: Request, key: str, body: bytes, bearer: Bearer, serve: Any
    ) -> Response:
        if not 1 <= len(key) <= 200:
            raise Problem(422, "an Idempotency-Key has 1 to 200 characters")
        user_id = bearer.actor.id
        assert user_id is not None
        digest = idempotency.request_hash(request.method, request.url.path, body)
        try:
            stored = await run_in_threadpool(
                idempotency.claim, self.deployment, user_id, key, digest
            )
        except idempotency.KeyInUse as refused:
            status = 422 if "another request" in refused.reason else 409
            raise Problem(status, refused.reason) from None
        if stored is not None:
            return Response(
                stored.body,
                status_code=stored.status,
                media_type=stored.content_type,
                headers={"Idempotent-Replayed": "true"},
            )
        try:
            response: Response = await serve()
        except Problem as refused:
            response = problem(refused.status, refused.detail, refused.headers)
        except Exception as error:
            status = status_of(error)
            if status >= 500:
                await run_in_threadpool(idempotency.release, self.deployment, user_id, key)
                raise
            response = problem(status, reason_of(error))
        if response.status_code >= 500 or not hasattr(response, "body"):
            await run_in_threadpool(idempotency.release, self.deployment, user_id, key)
            return response
        await run_in_threadpool(
            idempotency.store,
            self.deployment,
            user_id,
            key,
            response.status_code,
            response.media_type or "application/json",
            bytes(response.body),
        )
        return response

    async def conditional(
        self,
        request: Request,
        table: Routes,
        route: Any,
        values: dict[str, Any],
        uploads: dict[str, Upload],
        scratch: Path,
        bearer: Bearer,
    ) -> Response:
        """PATCH and DELETE of a record that has a GET: If-Match is required and compared
        under the record's lock, so a stale edit is refused (412) instead of overwriting."""
        reader = table.reader_of(route) if route.method in {"PATCH", "DELETE"} else None
        if reader is None:
            return await self.execute(request, table, route, values, uploads, scratch, bearer)
        wanted = request.headers.get("if-match")
        if wanted is None:
            raise Problem(
                428,
                i18n._(
                    "Send If-Match with the ETag from GET {path}: nobody's change is overwritten unseen.",
                    path=reader.path,
                ),
            )
        read_values = {p.name: values[p.name] for p in reader.in_path if p.name in values}
        lock_key = f"{reader.path}:{json.dumps(read_values, sort_keys=True, ensure_ascii=False)}"

        def locked_write() -> Response:
            with locks.record_lock(self.deployment, lock_key):
                current = self.run_command(
                    table,
                    reader,
                    read_values,
                    {},
                    scratch,
                    bearer,
                    request.state.language,
                    read_only="a read",
                )
                tag = etags.etag_of(current.data)
                if tag is None or not etags.matches(wanted, tag):
                    raise Problem(
                        412,
                        i18n._(
                            "Someone changed this record since you read it; read it again (its ETag is now {tag}).",
                            tag=tag or "-",
                        ),
                        {"ETag": tag or ""},
                    )
                outcome = self.run_command(
                    table,
                    route,
                    values,
                    uploads,
                    scratch,
                    bearer,
                    request.state.language,
                    read_only=None,
                )
                after = None
                if route.method == "PATCH":
                    again = self.run_command(
                        table,
                        reader,
                        read_values,
                        {},
                        scratch,
                        bearer,
                        request.state.language,
                        read_only="a read",
                    )
                    after = etags.etag_of(again.data)
                response = self.answer(route, outcome, bearer)
                if after:
                    response.headers["ETag"] = after
                return response

        return await run_in_threadpool(locked_write)

    def run_command(
        self,
        table: Routes,
        route: Any,
        values: Mapping[str, Any],
        uploads: Mapping[str, Upload],
        scratch: Path,
        bearer: Bearer,
        language: str,
        *,
        read_only: str | None,
    ) -> Outcome:
        return run(
            self.deployment,
            table.cli,
            route,
            values,
            uploads,
            scratch,
            actor=bearer.actor,
            language=language,
            read_only=read_only,
        )

    async def execute(
        self,
        request: Request,
        table: Routes,
        route: Any,
        values: dict[str, Any],
        uploads: dict[str, Upload],
        scratch: Path,
        bearer: Bearer,
    ) -> Response:
        language = request.state.language
        read_only = i18n._("A GET only reads; this would change data.") if route.reads else None

        def work() -> Response:
            outcome = self.run_command(
                table, route, values, uploads, scratch, bearer, language, read_only=read_only
            )
            response = self.answer(route, outcome, bearer)
            if route.reads and route.command[-1] == "show":
                tag = etags.etag_of(outcome.data)
                if tag:
                    response.headers["ETag"] = tag
            return response

        response = await run_in_threadpool(work)
        if route.reads and isinstance(response, JSONResponse):
            _link_next(request, response)
        return response

    def answer(self, route: Any, outcome: Outcome, bearer: Bearer) -> Response:
        """The response to a command's outcome: its JSON; or the file it wrote; or both, the
        files then kept as downloads the JSON names."""
        data = outcome.data
        status = 201 if route.creates else 200
        if outcome.files and (
            data is None or (isinstance(data, dict) and set(data) == {"message"})
        ):
            path = next(iter(outcome.files.values()))
            kept = self.deployment_file(path)
            return _file_response(kept, remove_folder=True)
        if outcome.files:
            assert bearer.actor.id is not None
            links = {
                name: f"/api/v1/downloads/{downloads.keep(self.downloads, bearer.actor.id, path)}"
                for name, path in outcome.files.items()
            }
            data = (
                {"result": data, "downloads": links}
                if not isinstance(data, dict)
                else {**data, "downloads": links}
            )
        if not route.reads:
            changed = [{"action": a, "entity": e, "id": i} for a, e, i in outcome.changed]
            if isinstance(data, dict):
                data = {**data, "changed": changed}
            elif data is None:
                data = {"changed": changed}
            else:
                data = {"result": data, "changed": changed}
        return JSONResponse(_scrub_paths(data, outcome.scratch), status_code=status)

    def deployment_file(self, path: Path) -> Path:
        """The file moved out of the request's scratch folder (removed when the request ends)."""
        folder = Path(tempfile.mkdtemp(prefix="crm-send-"))
        target = folder / path.name
        os.replace(path, target)
        return target


def _route_text(path: str) -> str:
    return path if len(path) <= 80 else path[:80] + "..."


def _not_taken(request: Request) -> str:
    return i18n._(
        "{path} does not take {method}.", path=_route_text(request.url.path), method=request.method
    )


def _scrub_paths(data: Any, scratch: Path) -> Any:
    """Messages that name the server's scratch files name only the file."""
    prefix = str(scratch) + os.sep
    if isinstance(data, str):
        return (
            data.replace(prefix + "out" + os.sep, "")
            .replace(prefix + "in" + os.sep, "")
            .replace(prefix, "")
        )
    if isinstance(data, list):
        return [_scrub_paths(v, scratch) for v in data]
    if isinstance(data, dict):
        return {k: _scrub_paths(v, scratch) for k, v in data.items()}
    return data


def _link_next(request: Request, response: JSONResponse) -> None:
    """Keyset pagination: a full page of records with ids links the page after its last."""
    try:
        data = json.loads(bytes(response.body))
    except ValueError:
        return
    limit = request.query_params.get("limit", "50")
    if not isinstance(data, list) or not data or not limit.isdigit() or len(data) < int(limit):
        return
    last = data[-1]
    if isinstance(last, dict) and isinstance(last.get("id"), int):
        query = dict(request.query_params)
        query["after"] = str(last["id"])
        response.headers["Link"] = f'<{request.url.path}?{urlencode(query)}>; rel="next"'


def _file_response(path: Path, *, remove_folder: bool = False) -> Response:
    """The file as an attachment (its name in UTF-8: Chinese names survive); with
    `remove_folder` its folder is removed once it is sent."""
    quoted = quote(path.name)
    return FileResponse(
        path,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quoted}"},
        media_type=_media_type(path),
        background=BackgroundTask(shutil.rmtree, path.parent, True) if remove_folder else None,
    )


def _media_type(path: Path) -> str:
    return {
        ".csv": "text/csv; charset=utf-8",
        ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".json": "application/json",
        ".zip": "application/zip",
        ".html": "text/html; charset=utf-8",
        ".svg": "image/svg+xml",
        ".png": "image/png",
        ".txt": "text/plain; charset=utf-8",
    }.get(path.suffix.lower(), "application/octet-stream")


def _jsonable(data: Any) -> Any:
    from crm_core.api.serializers import jsonable

    return jsonable(data)


async def _fields(
    request: Request,
    body: bytes,
    *,
    uploads: dict[str, Upload] | None = None,
    scratch: Path | None = None,
) -> dict[str, Any]:
    """A request body's fields: a JSON object, a form, or a multipart form with files."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not body and kind != "multipart/form-data":
        return {}
    if kind in {"application/json", ""} or kind.endswith("+json"):
        try:
            found = json.loads(body.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError):
            raise Problem(400, i18n._("The body is not JSON.")) from None
        if not isinstance(found, dict):
            raise Problem(422, i18n._("The body is a JSON object of parameters."))
        return found
    if kind in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        try:
            form = await request.form(max_files=20, max_fields=200)
        except HTTPException as unreadable:
            raise Problem(
                400, i18n._("The form could not be read: {reason}", reason=unreadable.detail)
            ) from None
        values: dict[str, Any] = {}
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if uploads is None or scratch is None:
                    raise Problem(422, i18n._("This route takes no files."))
                folder = scratch / "in"
                folder.mkdir(exist_ok=True)
                from crm_core.server.runner import _safe_name

                target = folder / _safe_name(value.filename or key, key)
                target.write_bytes(await value.read())
                uploads[key] = Upload(value.filename or key, target)
            elif key in values:
                existing = values[key]
                values[key] = (
                    [*existing, value] if isinstance(existing, list) else [existing, value]
                )
            else:
                values[key] = value
        return values
    raise Problem(415, i18n._("Send JSON, a form, or multipart/form-data."))


def create_app(deployment: Deployment, config: ServerConfig | None = None) -> Starlette:
    """The application serving `deployment` (which must exist)."""
    capture.install()
    server = Server(deployment, config or ServerConfig(language=os.environ.get("CRM_LANG", "zh")))

    def handled(handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            request.state.language = language_of(request, server.config.language)
            with server.speaking(request.state.language):
                try:
                    answer: Response = await handler(request)
                    return answer
                except Problem as refused:
                    return problem(refused.status, refused.detail, refused.headers)
                except (CrmError, Exception) as error:
                    status = status_of(error)
                    if status >= 500 and not _is_click_error(error):
                        log.exception(
                            "defect serving %s %s",
                            request.method,
                            getattr(request.state, "route", "?"),
                        )
                        return problem(500, "internal error; the server's log says where")
                    return problem(status, reason_of(error))

        return endpoint

    pages = Pages(server)
    routes: list[BaseRoute] = [
        Route("/healthz", handled(server.healthz), methods=["GET"]),
        Route("/api/openapi.json", handled(server.openapi_json), methods=["GET"]),
        Route("/api/docs", handled(server.docs), methods=["GET"]),
        Route("/api/v1/session", handled(server.sign_in), methods=["POST"]),
        Route("/api/v1/session", handled(server.whoami), methods=["GET"]),
        Route("/api/v1/session", handled(server.sign_out), methods=["DELETE"]),
        Route("/api/v1/session/password", handled(server.change_password), methods=["POST"]),
        Route("/api/v1/users/{login}/password", handled(server.set_password), methods=["POST"]),
        Route("/api/v1/downloads/{token}", handled(server.download), methods=["GET"]),
        Route(
            "/api/v1/{rest:path}",
            handled(server.api),
            methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
        ),
        Mount("/static", StaticFiles(directory=rendering.STATIC), name="static"),
        *pages.routes(),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        scheduler = jobs.Scheduler(deployment) if server.config.jobs else None
        if scheduler is not None:
            scheduler.start()
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.stop()

    async def unrouted(request: Request, error: Exception) -> Response:
        """What no route takes (a path the router cannot match, a method a fixed route does not
        take) answers with a problem document like every other refusal."""
        status = getattr(error, "status_code", 404)
        if pages.wants_page(request):
            return pages.unrouted(request, status)
        with server.speaking(language_of(request, server.config.language)):
            if status == 405:
                reason = _not_taken(request)
            else:
                reason = i18n._("No such route: {path}", path=_route_text(request.url.path))
            return problem(status, reason, getattr(error, "headers", None))

    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={HTTPException: unrouted})
    app.state.server = server
    return AccessLog(app)  # type: ignore[return-value]


def _is_click_error(error: BaseException) -> bool:
    import click

    return isinstance(error, click.ClickException)
