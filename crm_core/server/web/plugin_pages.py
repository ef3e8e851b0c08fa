"""Plugins' pages (`crm_register_pages`) as the server serves them: the request their handlers
get and what they answer with. A page is matched in the deployment's current plugin snapshot,
so enabling a plugin adds its pages and its menu entries without a restart."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs

from crm_core.api.crm import Crm
from crm_core.api.desk import Desk
from crm_core.foundation import i18n
from crm_core.foundation.errors import PermissionDenied, ValidationError
from crm_core.hooks.actor import Actor
from crm_core.hooks.pages import WEB_PAGES, WebPage
from crm_core.kernel.deployment import Deployment
from crm_core.server.command_routes import compile_path


@attrs.frozen
class PluginPage:
    page: WebPage
    pattern: re.Pattern[str] = attrs.field(eq=False, repr=False)

    def title(self, language: str) -> str:
        return self.page.title_zh if language == "zh" and self.page.title_zh else self.page.title


@attrs.frozen
class Shown:
    """A page's answer: `template` rendered with `values` (and `status`)."""

    template: str
    values: Mapping[str, Any]
    status: int = 200


@attrs.frozen
class Moved:
    """A page's answer: the browser goes to `target`, a path of this site (after a POST)."""

    target: str


@attrs.frozen
class Upload:
    """A file sent with the form, saved for the request: `path` keeps the sender's file name."""

    path: Path
    filename: str
    content_type: str


class PageRequest:
    """What a plugin page's handler gets: the parameters and form fields, the uploaded files,
    units of work as the signed-in person (writing only on a POST), and its answers."""

    def __init__(
        self,
        deployment: Deployment,
        actor: Actor,
        language: str,
        method: str,
        path_params: Mapping[str, str],
        values: Mapping[str, str],
        files: Mapping[str, Upload],
    ) -> None:
        self._deployment = deployment
        self.actor = actor
        self.language = language
        self.method = method
        self.path_params = dict(path_params)
        self.values = dict(values)
        self.files = dict(files)

    def value(self, name: str, default: str = "") -> str:
        """A path parameter, query parameter or form field, trimmed ("" when absent)."""
        return str(self.path_params.get(name, self.values.get(name, default))).strip()

    def file(self, name: str) -> Upload | None:
        return self.files.get(name)

    @contextmanager
    def desk(self, *, write: bool = False) -> Iterator[Desk]:
        if write and self.method != "POST":
            raise PermissionDenied(i18n._("A GET only reads; this would change data."))
        crm = Crm(self._deployment)
        with crm.as_user(self.actor.login, write=write, language=self.language) as desk:
            yield desk

    def show(self, template: str, status: int = 200, **values: Any) -> Shown:
        return Shown(template, values, status)

    def moved(self, target: str) -> Moved:
        if not target.startswith("/") or target.startswith("//"):
            raise ValidationError(f"a page moves to a path of this site, not {target!r}")
        return Moved(target)


def plugin_pages(runtime: Any) -> list[PluginPage]:
    found: Mapping[str, WebPage] = runtime.registry(WEB_PAGES)
    pages = [PluginPage(p, compile_path(p.path)) for p in found.values()]
    # Fixed words before parameters: /projects/new is not the project called "new".
    return sorted(pages, key=lambda p: (p.page.path.count("{"), p.page.path))


def match(
    pages: list[PluginPage], method: str, path: str
) -> tuple[PluginPage | None, dict[str, str], list[str]]:
    """The page serving `method path` and its parameters; else None and the methods the path
    takes (empty: no page has it)."""
    allowed: list[str] = []
    for page in pages:
        found = page.pattern.match(path)
        if found is None:
            continue
        if method in page.page.methods:
            return page, found.groupdict(), []
        allowed += page.page.methods
    return None, {}, sorted(set(allowed))


@contextmanager
def scratch() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="crm-page-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def menu(pages: list[PluginPage], role: str, language: str) -> list[tuple[str, str]]:
    """The navigation entries of the plugins' pages for `role`: (path, title)."""
    return [(p.page.path, p.title(language)) for p in pages if role in p.page.menu]


Handler = Callable[[PageRequest], Shown | Moved]
