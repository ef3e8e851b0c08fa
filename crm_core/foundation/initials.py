"""A name's pinyin initials, as salespeople type them into a search box: 北京华远科技有限公司 is
"bjhykj" (the legal suffix left out, as in the name key). Each Chinese character gives the first
letter of its reading in context (重庆 is "cq", not "zq"), a run of Latin letters its first
letter, digits stay. Stored beside the name and indexed, so "bjhy" is an index range."""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

#: Longer initials are cut: a search box never needs more.
MOST = 32


@functools.cache
def _pinyin() -> Any:
    # Imported when first needed: the reading tables take about 0.3 s to load.
    from pypinyin import Style, lazy_pinyin

    return lambda text: lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")


def initials(key: str) -> str | None:
    """The initials of a name key (`normalize.name_key`); None when it has no letter."""
    letters: list[str] = []
    for part in _pinyin()(key):
        text = unicodedata.normalize("NFKC", part).casefold()
        if len(text) == 1 and text.isascii() and text.isalnum():
            letters.append(text)
            continue
        # A run the tables do not read (Latin words, digits): a word's first letter, digits.
        for chunk in re.findall(r"[a-z]+|[0-9]", text):
            letters.append(chunk[0])
    found = "".join(letters)[:MOST]
    return found or None
