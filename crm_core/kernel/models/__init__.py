"""The core tables. Importing this package registers them all in crm_core.kernel.db.metadata."""

from crm_core.hooks.scoping import CustomerScoped, OwnerScoped, TeamScoped
from crm_core.kernel.models.audit import AuditEntry
from crm_core.kernel.models.contacts import Contact
from crm_core.kernel.models.credentials import ApiToken, Credential, ServerKey, SignInSession
from crm_core.kernel.models.custom_fields import FIELD_TYPES, CustomField, CustomValue
from crm_core.kernel.models.customers import KINDS, Customer, OwnershipPeriod, key_text
from crm_core.kernel.models.deployment_state import PluginState, Setting
from crm_core.kernel.models.follow_ups import FollowUp
from crm_core.kernel.models.grants import Grant
from crm_core.kernel.models.imports import ImportBatch, ImportRejection, ImportRun
from crm_core.kernel.models.interactions import INTERACTION_KINDS, Interaction
from crm_core.kernel.models.picklists import PicklistValue
from crm_core.kernel.models.products import Product
from crm_core.kernel.models.rollout import (
    GoalIndicator,
    IndicatorSnapshot,
    RolloutBlock,
    RolloutGoal,
)
from crm_core.kernel.models.rules import Rule
from crm_core.kernel.models.server_records import IdempotentRequest, JobRun
from crm_core.kernel.models.sync import SyncReceipt
from crm_core.kernel.models.teams import Team, TeamClosure
from crm_core.kernel.models.trash import DeletedRecord
from crm_core.kernel.models.users import ROLES, User, UserPermission
from crm_core.kernel.models.worksheets import Worksheet, WorksheetEntry

__all__ = [
    "FIELD_TYPES",
    "INTERACTION_KINDS",
    "KINDS",
    "ROLES",
    "ApiToken",
    "AuditEntry",
    "Contact",
    "Credential",
    "CustomField",
    "CustomValue",
    "Customer",
    "CustomerScoped",
    "DeletedRecord",
    "FollowUp",
    "GoalIndicator",
    "Grant",
    "IdempotentRequest",
    "ImportBatch",
    "ImportRejection",
    "ImportRun",
    "IndicatorSnapshot",
    "Interaction",
    "JobRun",
    "OwnerScoped",
    "OwnershipPeriod",
    "PicklistValue",
    "PluginState",
    "Product",
    "RolloutBlock",
    "RolloutGoal",
    "Rule",
    "ServerKey",
    "Setting",
    "SignInSession",
    "SyncReceipt",
    "Team",
    "TeamClosure",
    "TeamScoped",
    "User",
    "UserPermission",
    "Worksheet",
    "WorksheetEntry",
    "key_text",
]
