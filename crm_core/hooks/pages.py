"""Web pages a plugin adds (`crm_register_pages`), beside the core's: a project board, a dealer's
credit, an order form. A page is a handler and templates that extend the core's layout, so every
page looks alike, speaks the reader's language and runs as the signed-in person."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from crm_core.foundation.errors import PluginError
from crm_core.hooks.registry import Collection

METHODS = ("GET", "POST")
_PATH = re.compile(r"^(/([a-z0-9_-]+|\{[a-z_]+\}))+$")
#: First segments the core's own pages, the REST API and the assets use.
RESERVED = frozenset(
    {
        "api", "static", "healthz", "sign-in", "sign-out", "password", "language", "today",
        "customers", "dashboard", "reports", "team", "admin", "worksheet",
    }
)  # fmt: skip


@attrs.frozen
class WebPage:
    """`path` answered by `handler(request)` for the methods in `methods`.

    The handler gets a PageRequest (crm_core.contract.web): `request.value(name)` (a path
    parameter, query parameter or form field), `request.file(name)` (an uploaded file, saved
    for the request), `request.desk()` as the signed-in person (it writes only on a POST, whose
    CSRF token the server has checked), and returns `request.show(template, **values)` or
    `request.moved(path)`. Templates live in the `templates/` folder of `package` and are named
    with it ("crm_project_sales/board.html"); they extend "base.html". A CrmError the handler
    raises becomes the error page with its one-line reason.
    """

    path: str
    title: str
    handler: Callable[[Any], Any]
    title_zh: str = ""
    methods: tuple[str, ...] = ("GET",)
    #: The roles whose navigation bar lists the page (empty: reached by links only).
    menu: tuple[str, ...] = ()
    #: The package whose templates/ folder holds the page's templates.
    package: str = ""


def _check(page: WebPage, found: Mapping[str, WebPage]) -> None:
    if not _PATH.match(page.path):
        raise PluginError(f"page {page.path!r}: a path of lowercase words and {{name}} segments")
    if page.path.split("/")[1] in RESERVED:
        raise PluginError(f"page {page.path!r}: /{page.path.split('/')[1]} is the core's")
    if not page.methods or any(m not in METHODS for m in page.methods):
        raise PluginError(f"page {page.path}: methods are GET and POST")
    if page.menu and "{" in page.path:
        raise PluginError(f"page {page.path}: a page in the menu takes no path parameter")


WEB_PAGES: Collection[WebPage] = Collection("crm_register_pages", "page", lambda p: p.path, _check)
