"""ERP exchange, for plugins: which rows of a table changed since a moment (the audit trail is
the change feed)."""

from crm_core.features.sync.exchange import changed_ids

__all__ = ["changed_ids"]
