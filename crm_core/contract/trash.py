"""Deleting a plugin's record into the core's recycle bin: kept whole, restorable with `crm trash
restore`, refused while other rows still need it, audited, `crm_records_changed` fired."""

from crm_core.services.trash import Discarded, discard, require_deleter

__all__ = ["Discarded", "discard", "require_deleter"]
