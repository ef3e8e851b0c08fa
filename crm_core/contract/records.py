"""What the collector and event hooks exchange: a plugin builds these and hands them to
`register(...)`, or receives them."""

from crm_core.hooks.api_parts import ApiPart
from crm_core.hooks.batches import BatchWatcher, Watcher
from crm_core.hooks.changes import CustomerChange, Transfer
from crm_core.hooks.entities import Entity
from crm_core.hooks.importers import Column, Existing, Importer, ImportRow
from crm_core.hooks.indicators import Indicator
from crm_core.hooks.permissions import Permission
from crm_core.hooks.picklists import Choice, Picklist
from crm_core.hooks.registry import Collection
from crm_core.hooks.reminders import Digest, Reminder
from crm_core.hooks.rows import CustomerRow, InteractionRow
from crm_core.hooks.rules import RuleAction, RuleEvent
from crm_core.hooks.sections import Section
from crm_core.hooks.settings import SettingSpec, parse_positive_int, parse_text, parse_timezone
from crm_core.hooks.sync import SyncKind

__all__ = [
    "ApiPart",
    "BatchWatcher",
    "Choice",
    "Collection",
    "Column",
    "CustomerChange",
    "CustomerRow",
    "Digest",
    "Entity",
    "Existing",
    "ImportRow",
    "Importer",
    "Indicator",
    "InteractionRow",
    "Permission",
    "Picklist",
    "Reminder",
    "RuleAction",
    "RuleEvent",
    "Section",
    "SettingSpec",
    "SyncKind",
    "Transfer",
    "Watcher",
    "parse_positive_int",
    "parse_text",
    "parse_timezone",
]
