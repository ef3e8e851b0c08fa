"""Self-contained HTML pages (report, dashboard, rollout review): one file each, styles and SVG
charts inline, nothing fetched, so they open offline and can be mailed as they are.

Jinja2 with autoescaping: customer names and other data can never become markup. Only the SVG
drawn by `crm_core.foundation.charts` is inserted as is.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Environment

from crm_core.foundation import i18n
from crm_core.foundation.types import utcnow


def cell(value: Any) -> str:
    """How a value reads in a page cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return i18n._("yes") if value else i18n._("no")
    if isinstance(value, Decimal):
        return f"{value:,}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


@cache
def _environment() -> Environment:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("crm_core.foundation", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cell"] = cell
    env.filters["shown"] = lambda text, column: i18n.shown(str(column), str(text))
    env.globals["_"] = i18n._
    return env


def render(template: str, **values: Any) -> str:
    values.setdefault("lang", "zh-CN" if i18n.language() == "zh" else "en")
    values.setdefault("generated_at", utcnow().replace(microsecond=0).isoformat())
    return _environment().get_template(template).render(**values)
