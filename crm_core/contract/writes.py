"""Writing at a million rows: bulk inserts (COPY on PostgreSQL), per-day document numbers, the
keys duplicate checks compare, and the blocks a bulk write of many rows opens for the batch
watchers (the rollups on SQLite). Audit a bulk write with `crm_core.contract.audit`."""

from crm_core.foundation.normalize import name_key, phone_key
from crm_core.foundation.numbering import next_number
from crm_core.kernel.batches import customer_rows_inserting, customers_changing, parents_changing
from crm_core.kernel.bulk import insert_rows

__all__ = [
    "customer_rows_inserting",
    "customers_changing",
    "insert_rows",
    "name_key",
    "next_number",
    "parents_changing",
    "phone_key",
]
