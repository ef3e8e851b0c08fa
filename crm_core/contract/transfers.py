"""Moving a plugin's own rows with their customers (`crm_customers_transferred`): lock the
customers' owners, reassign rows in one statement per batch, hand open assigned items (tasks,
cases) to the new owner, report what moved."""

from crm_core.services.transfer import TransferResult, lock_owners, move_assigned, reassign

__all__ = ["TransferResult", "lock_owners", "move_assigned", "reassign"]
