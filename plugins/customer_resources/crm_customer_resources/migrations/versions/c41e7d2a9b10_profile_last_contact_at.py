"""profile: last_contact_at (last interaction, or registration), indexed for "not contacted"

Revision ID: c41e7d2a9b10
Revises: 8ceb35bfa521
Create Date: 2026-11-23 20:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_core.contract.tables

revision: str = "c41e7d2a9b10"
down_revision: str | Sequence[str] | None = "8ceb35bfa521"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "cr_customer_profile",
        sa.Column(
            "last_contact_at", crm_core.contract.tables.UTCDateTime(timezone=True), nullable=True
        ),
    )
    op.execute(
        sa.text(
            "UPDATE cr_customer_profile SET last_contact_at = coalesce(last_interaction_at, "
            "(SELECT c.created_at FROM crm_customer c WHERE c.id = cr_customer_profile.customer_id))"
        )
    )
    op.create_index(
        op.f("ix_cr_customer_profile_last_contact_at"),
        "cr_customer_profile",
        ["last_contact_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_cr_customer_profile_last_contact_at"), table_name="cr_customer_profile")
    with op.batch_alter_table("cr_customer_profile", schema=None) as batch_op:
        batch_op.drop_column("last_contact_at")
