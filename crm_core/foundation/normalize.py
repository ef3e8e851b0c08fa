"""Normalised keys for duplicate detection: the same company or phone written differently."""

from __future__ import annotations

import re
import unicodedata

from crm_core.foundation.errors import ValidationError

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
    """The number in Chinese national form, digits only; None when there is no phone.

    "+86 138 0013 8000" and "13800138000" match; so do "+86 571 8765 4321" and "0571-87654321"
    (the international form drops the trunk prefix 0 of a landline, which is put back).
    """
    if phone is None or not phone.strip():
        return None
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", phone))
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 10:
            digits = digits[len(prefix) :]
            is_mobile = len(digits) == 11 and digits.startswith("1")
            if not is_mobile and not digits.startswith("0"):
                digits = "0" + digits
            break
    if len(digits) < 5:
        raise ValidationError(f"phone {phone!r} has too few digits")
    return digits
