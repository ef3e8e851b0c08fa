"""installments: a partial index on the unpaid ones by due day (dunning for large teams)

Revision ID: d5a7c3e81f42
Revises: c41e7d2a9b10
Create Date: 2026-11-23 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d5a7c3e81f42"
down_revision: str | Sequence[str] | None = "c41e7d2a9b10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_cr_installment_unpaid_due",
        "cr_installment",
        ["due_on", "id"],
        unique=False,
        sqlite_where=sa.text("paid < amount"),
        postgresql_where=sa.text("paid < amount"),
    )


def downgrade() -> None:
    op.drop_index("ix_cr_installment_unpaid_due", table_name="cr_installment")
