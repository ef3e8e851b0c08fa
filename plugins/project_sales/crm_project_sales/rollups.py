"""Projects per expected-close month, customer owner, project owner, category and stage (see
crm_core.features.rollups): the `pipeline` report and its dashboard tile read it; and the same per
team (the customer owner's and the project owner's), which they read for managers.

The stage's outcome and win probability are not stored here: they come from the stage table
when the report runs (a handful of rows), so reconfiguring a pipeline changes no rollup row.
A project's customer changing hands moves its rows, as the report over the projects counts
them: visibility follows the customer.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.contract.rollups import Rollup, RollupBase, TeamTotals
from crm_core.contract.tables import Money, OwnerScoped, TeamScoped


class ProjectsByStage(OwnerScoped, RollupBase):
    """Count and expected amount of projects per key; `owner_id` is the customer's owner."""

    __tablename__ = "rollup_ps_projects_by_stage"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    owner_id: Mapped[int | None] = mapped_column(Integer)
    seller_id: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(64))
    stage_code: Mapped[str] = mapped_column(String(32))
    projects: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)


PROJECTS_BY_STAGE = Rollup(
    ProjectsByStage,
    source="ps_project",
    keys={
        "month": lambda q: q.date_month(f"{q.r}.expected_close"),
        "owner_id": lambda q: f"{q.c}.owner_id",
        "seller_id": lambda q: f"{q.r}.owner_id",
        "category": lambda q: f"{q.r}.category",
        "stage_code": lambda q: f"{q.r}.stage_code",
    },
    measures={"projects": lambda q: "1", "amount": lambda q: f"{q.r}.expected_amount"},
    source_columns=(
        "expected_close",
        "owner_id",
        "category",
        "stage_code",
        "expected_amount",
        "customer_id",
    ),
)


class TeamProjectsByStage(TeamScoped, RollupBase):
    """`ProjectsByStage` per the customer owner's team and the project owner's team: a
    manager's pipeline by month, category or team (decision 0025 in the core)."""

    __tablename__ = "rollup_ps_team_projects_by_stage"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    seller_team_id: Mapped[int | None] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(64))
    stage_code: Mapped[str] = mapped_column(String(32))
    projects: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)


TEAM_PROJECTS_BY_STAGE = TeamTotals(
    TeamProjectsByStage, of=PROJECTS_BY_STAGE, people={"seller_id": "seller_team_id"}
)
