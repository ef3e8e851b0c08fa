"""The core's product catalogue, for plugins."""

from crm_core.services.products import get, parse_amount

__all__ = ["get", "parse_amount"]
