"""Who a request acts as: the session cookie (signed, HttpOnly, SameSite=Lax, Secure behind
TLS) with a CSRF token for every change, or an API token in `Authorization: Bearer`."""

from __future__ import annotations

import hmac
import threading
import time
from collections import deque

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from crm_core.api.sign_in import Bearer, Gate, Issued
from crm_core.foundation import i18n
from crm_core.server.problems import Problem

SESSION_COOKIE = "crm_session"
CSRF_COOKIE = "crm_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _split(cookie: str) -> tuple[str, str] | None:
    token, dot, signature = cookie.rpartition(".")
    return (token, signature) if dot and token else None


def session_cookie(gate: Gate, token: str) -> str:
    return f"{token}.{gate.sign('session:' + token)[:32]}"


def csrf_token(gate: Gate, token: str) -> str:
    return gate.sign("csrf:" + token)[:32]


def secure(request: Request) -> bool:
    """Whether the browser reached us over TLS (directly, or through a proxy uvicorn trusts)."""
    return request.url.scheme == "https"


def set_session(response: Response, request: Request, gate: Gate, issued: Issued) -> str:
    csrf = csrf_token(gate, issued.token)
    age = max(int(issued.expires_at.timestamp() - time.time()), 0)
    response.set_cookie(
        SESSION_COOKIE,
        session_cookie(gate, issued.token),
        max_age=age,
        httponly=True,
        samesite="lax",
        secure=secure(request),
        path="/",
    )
    response.set_cookie(
        CSRF_COOKIE, csrf, max_age=age, httponly=False, samesite="lax", secure=secure(request)
    )
    return csrf


def clear_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


def session_token(request: Request, gate: Gate) -> str | None:
    """The session token of a correctly signed cookie, else None."""
    raw = request.cookies.get(SESSION_COOKIE)
    parts = _split(raw) if raw else None
    if parts is None:
        return None
    token, signature = parts
    expected = gate.sign("session:" + token)[:32]
    return token if hmac.compare_digest(signature, expected) else None


async def authenticate(request: Request, gate: Gate, *, form_csrf: str | None = None) -> Bearer:
    """The bearer of the request; Problem 401 when there is none, 403 for a failed CSRF
    check."""
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise Problem(401, i18n._("Send an API token as: Authorization: Bearer TOKEN."))
        found = await run_in_threadpool(gate.token, secret.strip())
        if found is None:
            raise Problem(
                401, i18n._("This API token is unknown, expired or revoked."), _challenge()
            )
        return found
    token = session_token(request, gate)
    if token is None:
        raise Problem(401, i18n._("Sign in first."), _challenge())
    found = await run_in_threadpool(gate.session, token)
    if found is None:
        raise Problem(401, i18n._("Your session has ended; sign in again."), _challenge())
    if request.method not in SAFE_METHODS:
        check_csrf(request, gate, token, form_csrf)
    return found


def check_csrf(request: Request, gate: Gate, token: str, form_csrf: str | None) -> None:
    """A change made with a cookie must carry the CSRF token, and come from our own origin."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        if origin.split("://", 1)[-1] != host:
            raise Problem(403, i18n._("Refused: the request came from another site."))
    given = request.headers.get(CSRF_HEADER) or form_csrf or ""
    if not hmac.compare_digest(given, csrf_token(gate, token)):
        raise Problem(
            403, i18n._("Refused: the CSRF token is missing or wrong (send X-CSRF-Token).")
        )


def _challenge() -> dict[str, str]:
    return {"WWW-Authenticate": 'Bearer realm="crm"'}


class Throttle:
    """Sign-in failures per client address: after `most` within `window` seconds, further
    attempts from it are refused for the rest of the window (accounts lock on their own)."""

    def __init__(self, most: int = 20, window: float = 600.0) -> None:
        self.most = most
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        found = self._failures.setdefault(client, deque())
        while found and found[0] < now - self.window:
            found.popleft()
        return found

    def blocked(self, client: str) -> float | None:
        """Seconds to wait, or None."""
        now = time.monotonic()
        with self._lock:
            found = self._recent(client, now)
            if len(found) >= self.most:
                return found[0] + self.window - now
        return None

    def failed(self, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent(client, now).append(now)
            if len(self._failures) > 10_000:  # forget the quietest addresses
                for key in [k for k, v in self._failures.items() if not v][:5_000]:
                    del self._failures[key]
