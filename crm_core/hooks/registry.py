"""One kind of record that plugins add through a collector hook (`register(record)`), and how
the records are told apart and checked.

The kernel gathers each collection once per set of enabled plugins (the runtime snapshot), so a
report, an importer or a setting is looked up in a dict, not by calling every plugin again;
`ctx.registry(REPORTS)` answers it. Two plugins registering the same key are refused with both
names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

import attrs

T = TypeVar("T")


def _itself(record: Any) -> Any:
    return record


@attrs.frozen(eq=False)
class Collection(Generic[T]):
    """What a collector hook gathers: `hook` names it, `key` tells two records apart, `what`
    names a record in messages ("report 'x' is registered twice").

    `check(record, found)` refuses a record (raise PluginError) given those registered before
    it; `accept(*args)` builds the record from what `register` was called with, for hooks whose
    callback takes more than a record (`register(name, description)`).
    """

    hook: str
    what: str
    key: Callable[[T], str]
    check: Callable[[T, Mapping[str, T]], None] | None = None
    accept: Callable[..., T] = _itself
