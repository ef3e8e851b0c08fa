"""The core's contacts, for plugins: a customer's contact by name or id."""

from crm_core.services.contacts import add, get

__all__ = ["add", "get"]
