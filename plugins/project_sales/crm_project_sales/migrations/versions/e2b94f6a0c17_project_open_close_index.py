"""projects: a partial index on the open ones by expected close ("project overdue" for teams)

Revision ID: e2b94f6a0c17
Revises: 91fba48212df
Create Date: 2026-11-23 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e2b94f6a0c17"
down_revision: str | Sequence[str] | None = "91fba48212df"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_ps_project_open_close",
        "ps_project",
        ["expected_close", "id"],
        unique=False,
        sqlite_where=sa.text("closed_at IS NULL"),
        postgresql_where=sa.text("closed_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_ps_project_open_close", table_name="ps_project")
