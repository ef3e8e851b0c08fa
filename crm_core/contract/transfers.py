"""Moving a plugin's own rows with their customers (`crm_customers_transferred`): lock the
customers' owners, reassign rows in one statement per batch, report what moved."""

from crm_core.services.transfer import TransferResult, lock_owners, reassign

__all__ = ["TransferResult", "lock_owners", "reassign"]
