"""JSON that people and other systems hand in, read with a bound on its nesting: Python's parser
recurses once per level, and a document of a hundred thousand `[` would exhaust the stack."""

from __future__ import annotations

import json
from typing import Any

from crm_core.foundation.errors import ValidationError

#: Deeper than any record or ERP item needs.
MOST_NESTED = 64


def _depth(text: str) -> int:
    deepest = depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def read_json(text: str, what: str = "the JSON") -> Any:
    """`text` parsed, or ValidationError naming `what`: not JSON, or nested deeper than
    MOST_NESTED."""
    if _depth(text) > MOST_NESTED:
        raise ValidationError(f"{what} is nested more than {MOST_NESTED} levels deep")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{what} is not JSON: {exc.msg} (line {exc.lineno})") from None
