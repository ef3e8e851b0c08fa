"""Firing a plugin's rule event inside the write that caused it."""

from crm_core.features.rules.engine import fire

__all__ = ["fire"]
