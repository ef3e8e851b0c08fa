"""The core's customer service, for plugins: find a customer the user may see, register one
(protection applies), change it, move its level."""

from crm_core.services.customers import CustomerFilter, create, get, set_level, update

__all__ = ["CustomerFilter", "create", "get", "set_level", "update"]
