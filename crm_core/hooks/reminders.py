"""A reminder (what is due for a person on a day) and a digest (one person's reminders as text)."""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs


@attrs.frozen
class Reminder:
    due_on: date
    kind: str  # e.g. "follow-up", "dunning", "task"
    what: str
    customer: str | None = None
    source: str = "crm_core"
    #: Whose item it is; may stay None when the collector was asked about one person only.
    person_id: int | None = None


@attrs.frozen
class Digest:
    """One person's reminders for a day, as text ready to send."""

    login: str
    name: str
    email: str | None
    on: date
    subject: str
    text: str
    items: tuple[dict[str, Any], ...]
