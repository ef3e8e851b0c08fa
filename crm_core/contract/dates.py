"""Days and moments as people type them in China, for parsing cells and options."""

from crm_core.foundation.dates import parse_day, parse_moment

__all__ = ["parse_day", "parse_moment"]
