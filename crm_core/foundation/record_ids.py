"""Reading a reference that may be a record's id: only ASCII digits naming a positive whole number
that a 64-bit key holds. Anything else (superscripts, other scripts' digits, a number beyond 64
bits) is not an id, so the lookup falls back to the name and answers "not found"."""

from __future__ import annotations

#: The largest key a 64-bit id column holds.
LARGEST_ID = 2**63 - 1


def record_id(ref: str | int) -> int | None:
    """The id `ref` names, or None when it cannot be one."""
    text = str(ref).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= LARGEST_ID else None
