"""picklists move to the core: cr_picklist rows go to crm_picklist_value

Revision ID: 8ceb35bfa521
Revises: 60a89351bd68
Create Date: 2026-11-23 13:24:47.659313
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8ceb35bfa521"
down_revision: str | Sequence[str] | None = "60a89351bd68"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0004_customization"


def upgrade() -> None:
    op.execute(
        sa.text(
            "INSERT INTO crm_picklist_value (picklist, code, label, label_zh, position, active) "
            "SELECT list, code, label, label_zh, sort, active FROM cr_picklist "
            "WHERE NOT EXISTS (SELECT 1 FROM crm_picklist_value v "
            "WHERE v.picklist = cr_picklist.list AND v.code = cr_picklist.code)"
        )
    )
    op.drop_table("cr_picklist")


def downgrade() -> None:
    op.create_table(
        "cr_picklist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("label_zh", sa.String(length=100), nullable=False),
        sa.Column("sort", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cr_picklist")),
        sa.UniqueConstraint("list", "code", name=op.f("uq_cr_picklist_list_code")),
    )
    op.execute(
        sa.text(
            "INSERT INTO cr_picklist (list, code, label, label_zh, sort, active) "
            "SELECT picklist, code, label, label_zh, position, active FROM crm_picklist_value "
            "WHERE picklist IN ('industry', 'region')"
        )
    )
