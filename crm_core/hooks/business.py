"""Open business: what keeps a customer in its holder's hands whatever the protection clock says."""

from __future__ import annotations

from typing import Any

import attrs
from sqlalchemy import Select


@attrs.frozen
class OpenBusiness:
    """One kind of open business a plugin holds: `customer_ids` selects the ids of the customers
    that have it (an open order, an unpaid instalment, an open project, credit in use)."""

    label: str
    customer_ids: Select[Any]
