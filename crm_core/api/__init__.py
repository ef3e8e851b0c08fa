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

from crm_core.api.common import KEEP, MAX_LIMIT, Keep, Page
from crm_core.api.configuration import FieldRecord, Fields, NewField, Picklists, Rules
from crm_core.api.contacts import ContactRecord, Contacts, NewContact
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
    InteractionQuery,
    InteractionRecord,
    Interactions,
    NewInteraction,
)
from crm_core.api.products import NewProduct, ProductRecord, Products
from crm_core.api.reports import ReportInfo, ReportParamInfo, Reports
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

__all__ = [
    "KEEP",
    "MAX_LIMIT",
    "Choice",
    "ContactRecord",
    "Contacts",
    "Crm",
    "CrmError",
    "CustomerChanges",
    "CustomerProfile",
    "CustomerQuery",
    "CustomerRecord",
    "Customers",
    "DayCount",
    "Desk",
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
    "InteractionQuery",
    "InteractionRecord",
    "Interactions",
    "Keep",
    "NewContact",
    "NewCustomer",
    "NewField",
    "NewInteraction",
    "NewProduct",
    "NotFound",
    "Page",
    "PermissionDenied",
    "Picklists",
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
    "Trial",
    "ValidationError",
    "VisibleCount",
]
