"""What every part of the API shares: a page of results, and "leave this field as it is"."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any, Generic, TypeVar

import attrs

from crm_core.foundation.errors import ValidationError

T = TypeVar("T")

#: The most rows one page may ask for (a list is read page by page, never all at once).
MAX_LIMIT = 10_000


class Keep(enum.Enum):
    """The type of KEEP."""

    KEEP = "keep"

    def __repr__(self) -> str:
        return "KEEP"


#: An update field left at KEEP is not changed (None clears it).
KEEP = Keep.KEEP


def given(changes: Any) -> dict[str, Any]:
    """The fields of an attrs changes-object that are not KEEP, as {name: value}."""
    return {
        field.name: value
        for field in attrs.fields(type(changes))
        if (value := getattr(changes, field.name)) is not KEEP
    }


def texts(value: Iterable[str]) -> tuple[str, ...]:
    """A tuple of texts (a lone string is one text, not its characters)."""
    return (value,) if isinstance(value, str) else tuple(value)


def read_only(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """A read-only copy: a value object never shares a mutable dict with its caller."""
    return MappingProxyType(dict(value or {}))


@attrs.frozen
class Page(Generic[T]):
    """One page of a list in id order. `after` is the id to ask the next page from (keyset
    pagination); None when this page is the last."""

    items: tuple[T, ...]
    after: int | None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}")
    return limit


def page_of(items: Sequence[T], limit: int, id_of: Callable[[T], int]) -> Page[T]:
    after = id_of(items[-1]) if items and len(items) == limit else None
    return Page(tuple(items), after)


def every(fetch: Callable[[int], Page[T]]) -> Iterator[T]:
    """Every item, page after page, from `fetch(after_id)`."""
    after = 0
    while True:
        page = fetch(after)
        yield from page.items
        if page.after is None:
            return
        after = page.after
