"""The recycle bin: deleted contacts, interactions, products, expenses, articles, kept whole

Revision ID: 0010_recycle_bin
Revises: 0009_audit_by_action_and_actor
Create Date: 2026-12-07 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_core.foundation.types

revision: str = "0010_recycle_bin"
down_revision: str | Sequence[str] | None = "0009_audit_by_action_and_actor"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "crm_deleted_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("row", sa.JSON(), nullable=False),
        sa.Column("custom", sa.JSON(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "deleted_at", crm_core.foundation.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["deleted_by_id"],
            ["crm_user.id"],
            name=op.f("fk_crm_deleted_record_deleted_by_id_crm_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_deleted_record")),
    )
    op.create_index("ix_crm_deleted_record_entity", "crm_deleted_record", ["entity", "record_id"])
    op.create_index(
        "ix_crm_deleted_record_by", "crm_deleted_record", ["deleted_by_id", "deleted_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_crm_deleted_record_by", table_name="crm_deleted_record")
    op.drop_index("ix_crm_deleted_record_entity", table_name="crm_deleted_record")
    op.drop_table("crm_deleted_record")
