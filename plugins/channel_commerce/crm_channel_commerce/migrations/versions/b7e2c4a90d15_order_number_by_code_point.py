"""PostgreSQL: dealer order numbers take the C collation (the next one an index range away)

Revision ID: b7e2c4a90d15
Revises: 6c6bb5442b10
Create Date: 2026-12-04 17:00:00

As customer_resources' orders (a9d3e5f71c28): the next number follows the highest issued that
day (crm_core.foundation.numbering), read as a range of the unique index, which needs code-point order.
SQLite compares code points already.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "b7e2c4a90d15"
down_revision: str | Sequence[str] | None = "6c6bb5442b10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute('ALTER TABLE cc_order ALTER COLUMN number TYPE VARCHAR(32) COLLATE "C"')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute('ALTER TABLE cc_order ALTER COLUMN number TYPE VARCHAR(32) COLLATE "default"')
