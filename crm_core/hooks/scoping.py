"""Marker mixins that put a table under the visibility policy (see crm_core.kernel.visibility).

A model that inherits one of these is filtered on every ORM query automatically; a plugin's
table gets the same protection just by inheriting, with no filter for callers to remember.
"""

from __future__ import annotations

from typing import ClassVar

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


class OwnerScoped:
    """Rows owned by a user (`owner_id`); NULL owner means the shared pool, visible to all."""

    @declared_attr
    def owner_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("crm_user.id"), index=True, nullable=True)


class CustomerScoped:
    """Rows that belong to a customer: visible exactly when that customer is."""

    @declared_attr
    def customer_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("crm_customer.id", ondelete="CASCADE"), index=True)


class GrantScoped(CustomerScoped):
    """Customer-scoped rows that a grant opens to more people: visible when their customer is,
    or when the user holds a grant (`crm_grant`) on the record `__crm_grant__` names: the table
    granted on and this row's column holding that record's id. A project's members see the
    project and its deliverables, quotes, tasks ... without seeing the customer's other
    business. Reports count what people own and manage: a grant does not widen them."""

    __crm_grant__: ClassVar[tuple[str, str]]


class TeamScoped:
    """Totals per team (`owner_team_id`, the customer owner's team; `shared` 1 for the shared
    pool): visible whole to admins, a manager sees their subtree's teams and the pool, anyone
    else the pool alone. Read them for an actor `sees_whole_teams` accepts: for them a team
    table holds exactly the totals of the rows they may see (see crm_core.kernel.visibility)."""

    @declared_attr
    def owner_team_id(cls) -> Mapped[int | None]:
        return mapped_column(Integer, nullable=True)

    @declared_attr
    def shared(cls) -> Mapped[int]:
        return mapped_column(Integer)
