"""Normalised keys for duplicate detection: the same company or phone written differently."""

from __future__ import annotations

import re
import unicodedata

from crm_core.errors import ValidationError

# Longest first, so "股份有限公司" is removed whole rather than leaving "股份".
LEGAL_SUFFIXES = tuple(
    sorted(
        (
            "股份有限公司",
            "有限责任公司",
            "有限公司",
            "集团公司",
            "集团",
            "公司",
            "coltd",
            "limited",
            "ltd",
            "inc",
            "corp",
            "corporation",
            "llc",
            "gmbh",
            "co",
        ),
        key=len,
        reverse=True,
    )
)
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def name_key(name: str) -> str:
    """Full-width to half-width, case-folded, punctuation and spaces removed, legal suffix dropped.

    "北京华远科技有限公司", "北京 华远科技（有限公司）" and "北京华远科技" share one key.
    """
    text = _NOT_WORD.sub("", unicodedata.normalize("NFKC", name).casefold())
    for suffix in LEGAL_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    if not text:
        raise ValidationError(f"customer name {name!r} has no letters or digits")
    return text


def phone_key(phone: str | None) -> str | None:
    """Digits only, without a +86/0086 country prefix; None when there is no phone."""
    if phone is None or not phone.strip():
        return None
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", phone))
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 11:
            digits = digits[len(prefix) :]
            break
    if len(digits) < 5:
        raise ValidationError(f"phone {phone!r} has too few digits")
    return digits
