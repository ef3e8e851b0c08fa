"""The daily exchange with an ERP through the API (the same as `crm sync`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from crm_core.features.sync import exchange as sync
from crm_core.features.sync.exchange import SyncResult
from crm_core.hooks.context import Context


class Exchange:
    """`desk.sync`: changed records out, order and payment status in."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def export(
        self, path: Path, since: datetime | str, kinds: Sequence[str] = ()
    ) -> dict[str, int]:
        """Write the records you may see that changed since `since` (a moment; or text: a date,
        a local time, or "last" for the previous export of the same kinds by the same user, or
        the integration's for an admin exporting every kind) as JSON; {kind: records}."""
        moment = sync.parse_since(self._ctx, since, kinds) if isinstance(since, str) else since
        return sync.export(self._ctx, moment, Path(path), kinds)

    def import_file(self, path: Path) -> SyncResult:
        """Apply ERP items from a file; all or nothing, and the same items twice change nothing."""
        sync.require_importer(self._ctx)  # before the file is read: it is not the caller's
        return sync.import_items(self._ctx, sync.read_items(Path(path)))
