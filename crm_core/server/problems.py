"""Refusals as RFC 9457 problem documents: the status says what kind, `detail` is the same
one line the CLI prints (in the user's language)."""

from __future__ import annotations

import re
from typing import Any

import click
from starlette.responses import JSONResponse

from crm_core.foundation.errors import (
    ConflictError,
    CrmError,
    DuplicateError,
    NotFound,
    PermissionDenied,
    PluginError,
    ValidationError,
    one_line,
)

PROBLEM_TYPE = "application/problem+json"

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    411: "Length Required",
    412: "Precondition Failed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    428: "Precondition Required",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class Problem(Exception):
    """Raised anywhere in a request: answered as a problem document."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}


def problem(
    status: int, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status}
    body["detail"] = one_line(detail)
    body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_TYPE)


def status_of(error: BaseException) -> int:
    """The HTTP status of a refusal (a CrmError or one of click's usage errors)."""
    if isinstance(error, Problem):
        return error.status
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, PermissionDenied):
        return 403
    if isinstance(error, DuplicateError | ConflictError | PluginError):
        return 409
    if isinstance(error, click.BadParameter | click.MissingParameter):
        return 422
    if isinstance(error, click.UsageError):
        return 400
    if isinstance(error, ValidationError | CrmError):
        return 422
    return 500


def reason_of(error: BaseException) -> str:
    """The one line the CLI would print for `error`; an option it names is named as the API's
    parameter (`'--dry-run'` is `'dry_run'`)."""
    if isinstance(error, click.ClickException):
        line = error.format_message().strip().splitlines()[0]
        return re.sub(
            r"'--([a-z][a-z0-9-]*)'", lambda m: "'" + m.group(1).replace("-", "_") + "'", line
        ).replace("Missing option", "Missing parameter")
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
