"""One structured line per request on the `crm.access` logger: when, method, the route's
template (never the path itself, which can hold a customer's name), status, time taken, bytes
and the user's id. No query string, body, cookie or token is logged."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

log = logging.getLogger("crm.access")


class AccessLog:
    def __init__(self, app: Any) -> None:
        self.app = app

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        answer: dict[str, Any] = {"status": 500, "bytes": 0}

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
            elif message["type"] == "http.response.body":
                answer["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            state = scope.get("state", {})
            log.info(
                json.dumps(
                    {
                        "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                        "method": scope.get("method"),
                        "route": state.get("route") or _template(scope.get("path", "")),
                        "status": answer["status"],
                        "ms": round((time.perf_counter() - started) * 1000, 1),
                        "bytes": answer["bytes"],
                        "user": state.get("user_id"),
                    }
                )
            )


def _template(path: str) -> str:
    """A path with only the fixed parts the server itself serves; anything else is one of the
    API's routes, whose template the handler records."""
    fixed = (
        "/healthz",
        "/api/openapi.json",
        "/api/docs",
        "/api/v1/session",
        "/api/v1/session/password",
    )
    if path in fixed:
        return path
    if path.startswith("/api/v1/downloads/"):
        return "/api/v1/downloads/{token}"
    if path.startswith("/api/v1/users/") and path.endswith("/password"):
        return "/api/v1/users/{login}/password"
    return "/api/v1/..." if path.startswith("/api/") else "/..."
