"""The library API an integrator scripts against: typed inputs, plain read-only results.

    from crm_core.api import Crm, NewCustomer, CustomerQuery

    with Crm.open("sqlite:///crm.db") as crm:
        with crm.as_user("li", write=True) as li:          # one transaction, as li
            customer = li.customers.create(NewCustomer("杭州甲公司", region="华东"))
            page = li.customers.list(CustomerQuery(region="华东"), limit=50)

Every read is filtered by the acting user's visibility; every write is judged by their rights,
audited, and rolled back whole when anything in the block fails. The `crm` CLI is a thin layer
over this package. See docs/api.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crm_core.api.common import KEEP, MAX_LIMIT, Keep, Page
    from crm_core.api.configuration import FieldRecord, Fields, NewField, Picklists, Rules
    from crm_core.api.contacts import ContactChanges, ContactRecord, Contacts, NewContact
    from crm_core.api.crm import Crm
    from crm_core.api.customers import (
        CustomerChanges,
        CustomerProfile,
        CustomerQuery,
        CustomerRecord,
        Customers,
        NewCustomer,
    )
    from crm_core.api.desk import Desk
    from crm_core.api.exchange import Exchange
    from crm_core.api.files import ExportResult, Files
    from crm_core.api.interactions import (
        DayCount,
        InteractionChanges,
        InteractionQuery,
        InteractionRecord,
        Interactions,
        NewInteraction,
    )
    from crm_core.api.products import NewProduct, ProductChanges, ProductRecord, Products
    from crm_core.api.reports import DashboardTile, ReportInfo, ReportParamInfo, Reports
    from crm_core.api.trash import Trash, TrashRecord
    from crm_core.api.users import NewUser, UserChanges, UserRecord
    from crm_core.features.imports.pipeline import ImportOptions, ImportRejected, ImportResult
    from crm_core.features.rules.store import RuleSpec, Trial
    from crm_core.features.sync.exchange import SyncResult
    from crm_core.foundation.errors import (
        CrmError,
        DuplicateError,
        NotFound,
        PermissionDenied,
        ValidationError,
    )
    from crm_core.hooks.picklists import Choice
    from crm_core.hooks.reports import ReportTable
    from crm_core.hooks.sections import Section
    from crm_core.services.customers import VisibleCount
    from crm_core.services.duplicates import DuplicatePair
    from crm_core.services.transfer import TransferResult
    from crm_core.services.trash import Discarded

#: Where each name lives; a name's module is imported when the name is first used, so a
#: command that needs one part of the API does not import the rest.
_HOMES: dict[str, str] = {
    "KEEP": "crm_core.api.common",
    "MAX_LIMIT": "crm_core.api.common",
    "Keep": "crm_core.api.common",
    "Page": "crm_core.api.common",
    "FieldRecord": "crm_core.api.configuration",
    "Fields": "crm_core.api.configuration",
    "NewField": "crm_core.api.configuration",
    "Picklists": "crm_core.api.configuration",
    "Rules": "crm_core.api.configuration",
    "ContactRecord": "crm_core.api.contacts",
    "Contacts": "crm_core.api.contacts",
    "NewContact": "crm_core.api.contacts",
    "Crm": "crm_core.api.crm",
    "CustomerChanges": "crm_core.api.customers",
    "CustomerProfile": "crm_core.api.customers",
    "CustomerQuery": "crm_core.api.customers",
    "CustomerRecord": "crm_core.api.customers",
    "Customers": "crm_core.api.customers",
    "NewCustomer": "crm_core.api.customers",
    "Desk": "crm_core.api.desk",
    "Exchange": "crm_core.api.exchange",
    "ExportResult": "crm_core.api.files",
    "Files": "crm_core.api.files",
    "DayCount": "crm_core.api.interactions",
    "InteractionQuery": "crm_core.api.interactions",
    "InteractionRecord": "crm_core.api.interactions",
    "Interactions": "crm_core.api.interactions",
    "NewInteraction": "crm_core.api.interactions",
    "NewProduct": "crm_core.api.products",
    "ProductRecord": "crm_core.api.products",
    "Products": "crm_core.api.products",
    "DashboardTile": "crm_core.api.reports",
    "ReportInfo": "crm_core.api.reports",
    "ReportParamInfo": "crm_core.api.reports",
    "Reports": "crm_core.api.reports",
    "NewUser": "crm_core.api.users",
    "UserChanges": "crm_core.api.users",
    "UserRecord": "crm_core.api.users",
    "ImportOptions": "crm_core.features.imports.pipeline",
    "ImportRejected": "crm_core.features.imports.pipeline",
    "ImportResult": "crm_core.features.imports.pipeline",
    "RuleSpec": "crm_core.features.rules.store",
    "Trial": "crm_core.features.rules.store",
    "SyncResult": "crm_core.features.sync.exchange",
    "CrmError": "crm_core.foundation.errors",
    "DuplicateError": "crm_core.foundation.errors",
    "NotFound": "crm_core.foundation.errors",
    "PermissionDenied": "crm_core.foundation.errors",
    "ValidationError": "crm_core.foundation.errors",
    "Choice": "crm_core.hooks.picklists",
    "ReportTable": "crm_core.hooks.reports",
    "Section": "crm_core.hooks.sections",
    "VisibleCount": "crm_core.services.customers",
    "DuplicatePair": "crm_core.services.duplicates",
    "TransferResult": "crm_core.services.transfer",
    "ContactChanges": "crm_core.api.contacts",
    "InteractionChanges": "crm_core.api.interactions",
    "ProductChanges": "crm_core.api.products",
    "Trash": "crm_core.api.trash",
    "TrashRecord": "crm_core.api.trash",
    "Discarded": "crm_core.services.trash",
}

__all__ = [
    "KEEP",
    "MAX_LIMIT",
    "Choice",
    "ContactChanges",
    "ContactRecord",
    "Contacts",
    "Crm",
    "CrmError",
    "CustomerChanges",
    "CustomerProfile",
    "CustomerQuery",
    "CustomerRecord",
    "Customers",
    "DashboardTile",
    "DayCount",
    "Desk",
    "Discarded",
    "DuplicateError",
    "DuplicatePair",
    "Exchange",
    "ExportResult",
    "FieldRecord",
    "Fields",
    "Files",
    "ImportOptions",
    "ImportRejected",
    "ImportResult",
    "InteractionChanges",
    "InteractionQuery",
    "InteractionRecord",
    "Interactions",
    "Keep",
    "NewContact",
    "NewCustomer",
    "NewField",
    "NewInteraction",
    "NewProduct",
    "NewUser",
    "NotFound",
    "Page",
    "PermissionDenied",
    "Picklists",
    "ProductChanges",
    "ProductRecord",
    "Products",
    "ReportInfo",
    "ReportParamInfo",
    "ReportTable",
    "Reports",
    "RuleSpec",
    "Rules",
    "Section",
    "SyncResult",
    "TransferResult",
    "Trash",
    "TrashRecord",
    "Trial",
    "UserChanges",
    "UserRecord",
    "ValidationError",
    "VisibleCount",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
