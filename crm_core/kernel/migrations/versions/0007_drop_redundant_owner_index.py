"""Drop the customers' index on owner_id alone: (owner_id, id) serves the same lookups

Revision ID: 0007_drop_redundant_owner_index
Revises: 0006_interaction_moment_index
Create Date: 2026-11-23 21:10:00

On SQLite the two indexes hold the same entries (the id is the rowid); on PostgreSQL the
composite one answers every lookup by owner. Each customer written or transferred paid for both.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007_drop_redundant_owner_index"
down_revision: str | Sequence[str] | None = "0006_interaction_moment_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_crm_customer_owner_id", table_name="crm_customer")


def downgrade() -> None:
    op.create_index("ix_crm_customer_owner_id", "crm_customer", ["owner_id"])
