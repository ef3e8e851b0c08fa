"""The recycle bin through the API: what was deleted, and putting it back."""

from __future__ import annotations

from datetime import datetime

import attrs

from crm_core.api.common import check_limit
from crm_core.hooks.context import Context
from crm_core.services import trash
from crm_core.services.trash import Discarded


@attrs.frozen
class TrashRecord:
    """A deleted record in the bin; `id` restores it."""

    id: int
    entity: str
    record_id: int
    label: str
    deleted_by: str | None
    deleted_at: datetime


class Trash:
    """`desk.trash`: the records deleted by you (an admin: by anyone), and restoring them."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def list(self, *, after: int = 0, limit: int = 50) -> tuple[TrashRecord, ...]:
        rows = trash.listing(self._ctx, after_id=after, limit=check_limit(limit))
        return tuple(TrashRecord(**row) for row in rows)  # type: ignore[arg-type]

    def restore(self, trash_id: int) -> Discarded:
        """Put a deleted record back (its deleter or an admin), relinked, audited."""
        return trash.restore(self._ctx, trash_id)
