"""Chinese is first-class: every message the core or a shipped plugin translates has its Chinese."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from crm_core.foundation import i18n

ROOT = Path(__file__).resolve().parents[1]
CALL = re.compile(r'(?<![\w.])(?:i18n\.)?_\(\s*((?:"[^"\n]*"\s*)+)')
#: `_("...")` or `_('...')` in a Jinja2 template.
TEMPLATE_CALL = re.compile(r"(?<![\w.])_\(\s*(\"[^\"\n]*\"|'[^'\n]*')")
PACKAGES = {
    "crm_core": ROOT / "crm_core",
    "crm_customer_resources": ROOT / "plugins/customer_resources/crm_customer_resources",
    "crm_project_sales": ROOT / "plugins/project_sales/crm_project_sales",
    "crm_channel_commerce": ROOT / "plugins/channel_commerce/crm_channel_commerce",
}


def literals(folder: Path) -> dict[str, str]:
    """Each string literal passed to `i18n._`, with where it is."""
    found = {}
    for path in sorted(folder.rglob("*.py")):
        for match in CALL.finditer(path.read_text(encoding="utf-8")):
            text = "".join(re.findall(r'"([^"\n]*)"', match.group(1)))
            found.setdefault(text, f"{path.relative_to(ROOT)}")
    for path in sorted(folder.rglob("*.html")):
        for match in TEMPLATE_CALL.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(match.group(1)[1:-1], f"{path.relative_to(ROOT)}")
    return found


def chinese_for(package: str) -> dict[str, str]:
    catalogue = dict(i18n.CORE.entries["zh"])
    if package != "crm_core":
        try:
            catalogue.update(importlib.import_module(f"{package}.translations").ZH)
        except ModuleNotFoundError:
            pytest.skip(f"{package} is not installed")
    return catalogue


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_every_translated_message_has_its_chinese(package: str) -> None:
    found = literals(PACKAGES[package])
    assert found, "the scan found no messages: the pattern no longer matches the code"
    catalogue = chinese_for(package)
    missing = {text: where for text, where in found.items() if text not in catalogue}
    assert missing == {}


def test_placeholders_survive_translation() -> None:
    for text, chinese in i18n.CORE.entries["zh"].items():
        assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", chinese)), text
