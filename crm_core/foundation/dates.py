"""Days and moments as people type them in China (spreadsheet cells, the command line)."""

from __future__ import annotations

import re
from datetime import date, datetime

_SEPARATORS = re.compile(r"[./年月]")


def parse_day(text: str) -> date:
    """2026-11-20, 2026/11/20, 2026.11.20, 2026年11月20日, 20261120 (a time part is ignored)."""
    cleaned = _SEPARATORS.sub("-", text.strip().split(" ")[0].split("T")[0]).rstrip("日-")
    if cleaned.isdigit() and len(cleaned) == 8:
        cleaned = f"{cleaned[:4]}-{cleaned[4:6]}-{cleaned[6:]}"
    try:
        year, month, day = (int(part) for part in cleaned.split("-"))
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"not a date: {text!r} (write 2026-11-20)") from None


def parse_moment(text: str) -> datetime:
    """A day, optionally with a time (14:30 or 14:30:05); naive, in the deployment's zone."""
    parts = text.strip().replace("T", " ").split()
    day = parse_day(parts[0])
    if len(parts) == 1:
        return datetime(day.year, day.month, day.day)
    try:
        pieces = [int(p) for p in parts[1].split(":")] + [0, 0]
        return datetime(day.year, day.month, day.day, pieces[0], pieces[1], pieces[2])
    except (ValueError, TypeError):
        raise ValueError(f"not a time: {text!r} (write 2026-11-20 14:30)") from None
