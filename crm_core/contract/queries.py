"""Reading at a million rows: a list of ids as one parameter (`among`), id batches, the owner
walk a team's lists take (`owned_by`), counts that stop early, and lists in chunks."""

from crm_core.kernel.planner import among, id_batches, owned_by
from crm_core.services.common import capped_count, chunks

__all__ = ["among", "capped_count", "chunks", "id_batches", "owned_by"]
