"""The template environment: autoescaped HTML, the current language's `_`, and the helpers the
templates share."""

from __future__ import annotations

import functools
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from crm_core.foundation import i18n

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def _shown(value: Any) -> str:
    """A value as a cell shows it: dates as days, amounts with separators, nothing as a dash."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return i18n._("yes") if value else i18n._("no")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


def _translate(text: str, **values: Any) -> str:
    return i18n._(text, **values)


@functools.cache
def environment(packages: tuple[str, ...] = ()) -> jinja2.Environment:
    """The core's templates, and each plugin package's templates/ folder under its name
    ("crm_project_sales/board.html"), for the plugins of one snapshot."""
    loader: jinja2.BaseLoader = jinja2.FileSystemLoader(TEMPLATES)
    if packages:
        plugins = {name: jinja2.PackageLoader(name, "templates") for name in packages}
        loader = jinja2.ChoiceLoader([loader, jinja2.PrefixLoader(plugins)])
    env = jinja2.Environment(
        loader=loader,
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["_"] = _translate
    env.globals["shown_column"] = i18n.shown
    env.filters["shown"] = _shown
    env.filters["path"] = lambda text: quote(str(text), safe="")
    return env


def render(name: str, packages: tuple[str, ...] = (), /, **values: Any) -> str:
    template = environment(packages).get_template(name)
    return template.render(language=i18n.language(), **values)


def has_htmx() -> bool:
    return (STATIC / "vendor" / "htmx.min.js").is_file()
