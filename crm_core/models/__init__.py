"""The core tables. Importing this package registers them all in crm_core.db.metadata."""

from crm_core.models.audit import AuditEntry
from crm_core.models.contacts import Contact
from crm_core.models.customers import KINDS, Customer, OwnershipPeriod
from crm_core.models.deployment_state import PluginState, Setting
from crm_core.models.imports import ImportBatch, ImportRejection, ImportRun
from crm_core.models.interactions import INTERACTION_KINDS, Interaction
from crm_core.models.products import Product
from crm_core.models.rollout import GoalIndicator, IndicatorSnapshot, RolloutBlock, RolloutGoal
from crm_core.models.scoping import CustomerScoped, OwnerScoped
from crm_core.models.teams import Team, TeamClosure
from crm_core.models.users import ROLES, User, UserPermission
from crm_core.models.worksheets import Worksheet, WorksheetEntry

__all__ = [
    "INTERACTION_KINDS",
    "KINDS",
    "ROLES",
    "AuditEntry",
    "Contact",
    "Customer",
    "CustomerScoped",
    "GoalIndicator",
    "ImportBatch",
    "ImportRejection",
    "ImportRun",
    "IndicatorSnapshot",
    "Interaction",
    "OwnerScoped",
    "OwnershipPeriod",
    "PluginState",
    "Product",
    "RolloutBlock",
    "RolloutGoal",
    "Setting",
    "Team",
    "TeamClosure",
    "User",
    "UserPermission",
    "Worksheet",
    "WorksheetEntry",
]
