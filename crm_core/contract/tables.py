"""Declaring a plugin's tables: the declarative base every table lives in, the mixins that put a
table under the visibility policy, and the column types (money, UTC times, keys)."""

from crm_core.foundation.schema import Base, table_of
from crm_core.foundation.types import (
    CENT,
    Money,
    UTCDateTime,
    money_average,
    money_sum,
    to_money,
    utcnow,
)
from crm_core.hooks.plugin_spec import plugin_table
from crm_core.hooks.scoping import CustomerScoped, GrantScoped, OwnerScoped, TeamScoped
from crm_core.kernel.models import key_text

__all__ = [
    "CENT",
    "Base",
    "CustomerScoped",
    "GrantScoped",
    "Money",
    "OwnerScoped",
    "TeamScoped",
    "UTCDateTime",
    "key_text",
    "money_average",
    "money_sum",
    "plugin_table",
    "table_of",
    "to_money",
    "utcnow",
]
