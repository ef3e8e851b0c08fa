"""The core's customer service, for plugins: find a customer the user may see, register one
(protection applies), change it, move its level, and ask which customers have open business."""

from crm_core.hooks.business import OpenBusiness
from crm_core.services.business import open_business, without_open_business
from crm_core.services.customers import CustomerFilter, create, get, set_level, update

__all__ = [
    "CustomerFilter",
    "OpenBusiness",
    "create",
    "get",
    "open_business",
    "set_level",
    "update",
    "without_open_business",
]
