"""Values that describe a change, handed to hooks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs


@attrs.frozen
class CustomerChange:
    """A customer about to be (or just) created or updated.

    `before` is None for a new customer; `after` holds the fields as they will be. `label` names
    the row for error messages ("row 12" in an import, the customer's name otherwise).
    """

    customer_id: int | None
    before: Mapping[str, Any] | None
    after: Mapping[str, Any]
    label: str

    def changed(self, field: str) -> bool:
        if self.before is None:
            return field in self.after
        return field in self.after and self.before.get(field) != self.after[field]


@attrs.frozen
class Transfer:
    """Customers changing owner in one transaction."""

    customer_ids: tuple[int, ...]
    #: The new owner; None when the customers return to the shared pool.
    to_user_id: int | None
    #: The previous owner of each customer (None for the shared pool).
    previous_owners: Mapping[int, int | None]
    reason: str | None = None
