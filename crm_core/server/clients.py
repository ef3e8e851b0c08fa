"""Who is asking: the language a request asks for and the address it comes from."""

from __future__ import annotations

from starlette.requests import Request


def language_of(request: Request, default: str) -> str:
    """The first of zh or en in Accept-Language, else `default`."""
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return default


def client_of(request: Request) -> str:
    return request.client.host if request.client else "-"
