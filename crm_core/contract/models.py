"""The core's tables a plugin may read, join and reference by foreign key (it never writes them
but through the core's services)."""

from crm_core.kernel.models import (
    AuditEntry,
    Contact,
    Customer,
    FollowUp,
    Interaction,
    OwnershipPeriod,
    Product,
    Team,
    TeamClosure,
    User,
)

__all__ = [
    "AuditEntry",
    "Contact",
    "Customer",
    "FollowUp",
    "Interaction",
    "OwnershipPeriod",
    "Product",
    "Team",
    "TeamClosure",
    "User",
]
