"""A section of the customer 360 view, as the core and plugins contribute it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs


@attrs.frozen
class Section:
    title: str
    rows: Sequence[Mapping[str, Any]]
    #: Lower comes first; the core uses 0-99.
    order: int = 100
    source: str = "crm_core"
