"""PostgreSQL: name and phone keys indexed COLLATE "C", for prefix search by range

Revision ID: 0005_prefix_indexes
Revises: 0004_customization
Create Date: 2026-11-23 16:20:00

SQLite compares code points already, so its unique indexes on the keys serve the same ranges.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_prefix_indexes"
down_revision: str | Sequence[str] | None = "0004_customization"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (("ix_crm_customer_name_key_c", "name_key"), ("ix_crm_customer_phone_key_c", "phone_key"))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, column in INDEXES:
        op.create_index(name, "crm_customer", [sa.text(f'{column} COLLATE "C"')])


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, _column in INDEXES:
        op.drop_index(name, table_name="crm_customer")
