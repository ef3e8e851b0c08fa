"""Generated, fictional demo data through the API (admins)."""

from __future__ import annotations

from collections.abc import Mapping

from crm_core.features import demo_data
from crm_core.hooks.context import Context


class DemoData:
    """`desk.demo_data`: fill a deployment with a fictional company (`crm seed-demo`)."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def seed(self, *, scale: int = 1, seed: int = 2026) -> Mapping[str, int]:
        """60 customers per unit of `scale`, with contacts and interactions, and every enabled
        plugin's data; the same `seed`, the same company. Returns what was made, by kind."""
        return demo_data.seed(self._ctx, scale=scale, seed_value=seed)
