"""The audit trail, for plugins: every ORM write is audited by itself, in its transaction; a
bulk statement records its own rows here (`record`), or one row per record it changed
(`record_field`, with the ids from UPDATE ... RETURNING)."""

from crm_core.kernel.audit_trail import record, record_field, render

__all__ = ["record", "record_field", "render"]
