"""ETags of records: a hash of the record's own fields as its GET answers them (lists and
sections it shows beside them, such as the 360 view's timeline, do not count: logging a visit
does not make someone's edit of the customer fail)."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def etag_of(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    own = {k: v for k, v in data.items() if not isinstance(v, list | dict)}
    encoded = json.dumps(own, sort_keys=True, ensure_ascii=False, default=str).encode()
    return '"' + hashlib.sha256(encoded).hexdigest()[:32] + '"'


def matches(header: str, current: str) -> bool:
    """Whether an If-Match header names `current` (strong comparison; `*` matches)."""
    tags = [t.strip() for t in header.split(",")]
    return "*" in tags or current in tags
