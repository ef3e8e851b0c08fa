"""A kind of item exchanged with an ERP (`crm_register_sync_kinds`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from crm_core.hooks.registry import Collection

if TYPE_CHECKING:
    from crm_core.hooks.context import Context


@attrs.frozen
class SyncKind:
    """One kind of item exchanged with an ERP.

    `export(ctx, since)` yields the records of this kind changed since `since`, as the acting
    user may see them; `apply(ctx, item)` applies one incoming item (a dict with at least "id",
    the ERP's identifier, and the `required` keys) and may raise CrmError to refuse it.
    """

    name: str
    description: str
    export: Callable[[Context, datetime], Iterator[Mapping[str, Any]]] | None = None
    apply: Callable[[Context, Mapping[str, Any]], None] | None = None
    required: tuple[str, ...] = ()


SYNC_KINDS: Collection[SyncKind] = Collection(
    "crm_register_sync_kinds", "sync kind", lambda k: k.name
)
