"""Index interactions by moment, for reports over a window of days

Revision ID: 0006_interaction_moment_index
Revises: 0005_prefix_indexes
Create Date: 2026-11-23 17:45:00

Reports and indicators over "the last 14 days" of ten million interactions read the window
from this index instead of scanning the table (salesperson activity, contact coverage).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006_interaction_moment_index"
down_revision: str | Sequence[str] | None = "0005_prefix_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_crm_interaction_occurred_at", "crm_interaction", ["occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_crm_interaction_occurred_at", table_name="crm_interaction")
