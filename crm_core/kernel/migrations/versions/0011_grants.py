"""Grants: records opened to users beyond their teams (a project's members)

Revision ID: 0011_grants
Revises: 0010_recycle_bin
Create Date: 2026-12-07 13:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_core.foundation.types

revision: str = "0011_grants"
down_revision: str | Sequence[str] | None = "0010_recycle_bin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "crm_grant",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column(
            "granted_at", crm_core.foundation.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["crm_user.id"],
            name=op.f("fk_crm_grant_user_id_crm_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "table_name", "record_id", name=op.f("pk_crm_grant")),
    )


def downgrade() -> None:
    op.drop_table("crm_grant")
