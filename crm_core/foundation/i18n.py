"""English and Chinese for user-facing messages and labels.

Messages are written in English in the code and looked up by their English text in a
`Catalogue` (the core's, plus what the enabled plugins register through
`crm_register_translations`: one catalogue per set of enabled plugins, never changed). Which
language and catalogue apply is the ambient `Translator`, carried per thread and per task (a
`ContextVar`), never by the process: a unit of work and a command set it for their duration
(`using`), so two requests at once answer each in its own user's language. Outside any, the
core's catalogue applies in the language the environment asks for (`CRM_LANG=zh`, or a `zh_*`
LANG). Unknown text falls back to English.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any

import attrs

from crm_core.foundation import catalogue_zh

LANGUAGES = ("en", "zh")


def environment_language() -> str:
    """The language the environment asks for: CRM_LANG, else LC_ALL/LANG, else English."""
    for var in ("CRM_LANG", "LC_ALL", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def _frozen(entries: Mapping[str, Mapping[str, str]]) -> Mapping[str, Mapping[str, str]]:
    return MappingProxyType({lang: MappingProxyType(dict(t)) for lang, t in entries.items()})


@attrs.frozen(eq=False)
class Catalogue:
    """Translations by language, English text -> translated text; never changed once made."""

    entries: Mapping[str, Mapping[str, str]] = attrs.field(converter=_frozen)

    def with_entries(self, more: Mapping[str, Mapping[str, str]]) -> Catalogue:
        """A new catalogue: these entries over this one's."""
        merged = {lang: dict(texts) for lang, texts in self.entries.items()}
        for lang, texts in more.items():
            merged.setdefault(lang, {}).update(texts)
        return Catalogue(merged)

    def translate(self, language: str, text: str) -> str:
        return self.entries.get(language, {}).get(text, text)

    def every_translation(self, text: str) -> set[str]:
        """`text` and its translation in every language (spreadsheet headers accept all)."""
        return {text, *(texts[text] for texts in self.entries.values() if text in texts)}


#: The core's own translations.
CORE = Catalogue({"zh": {**catalogue_zh.LABELS, **catalogue_zh.MESSAGES}})


@attrs.frozen
class Translator:
    """A language and the catalogue to translate into it from."""

    language: str
    catalogue: Catalogue = CORE

    def _(self, text: str, **values: Any) -> str:
        translated = self.catalogue.translate(self.language, text)
        return translated.format(**values) if values else translated


_ambient: ContextVar[Translator | None] = ContextVar("crm_translator", default=None)


def current() -> Translator:
    """The ambient translator (the environment's language and the core's catalogue outside any
    unit of work or command)."""
    found = _ambient.get()
    return found if found is not None else Translator(environment_language())


@contextmanager
def using(translator: Translator) -> Iterator[Translator]:
    """Make `translator` the ambient one inside the block (for this thread or task only)."""
    token = _ambient.set(translator)
    try:
        yield translator
    finally:
        _ambient.reset(token)


def language() -> str:
    """The ambient language: "zh" or "en"."""
    return current().language


def every_translation(text: str) -> set[str]:
    return current().catalogue.every_translation(text)


def _(text: str, **values: Any) -> str:
    """Translate `text` into the ambient language, then fill `{placeholders}` from `values`."""
    return current()._(text, **values)


#: Columns whose values are codes (a customer's kind and level, a status, a reminder's kind): a
#: table or page shows them in the reader's language; JSON and CSV keep the codes.
VALUE_COLUMNS = frozenset(
    {"kind", "level", "status", "role", "outcome", "verdict", "trend", "reason", "grade_source"}
)


def shown(column: str, text: str) -> str:
    """A cell's text as a reader sees it: a code of a VALUE_COLUMNS column translated."""
    return _(text) if text and column in VALUE_COLUMNS else text
