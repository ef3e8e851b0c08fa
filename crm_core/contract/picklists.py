"""Picklists, for plugins: a field's resolver (label in either language -> code), and the
default values a plugin seeds when it is enabled."""

from crm_core.services.picklists import resolver, seed

__all__ = ["resolver", "seed"]
