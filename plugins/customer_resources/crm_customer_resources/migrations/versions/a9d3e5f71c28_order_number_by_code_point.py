"""PostgreSQL: order numbers take the C collation, so that the next one is an index range away

Revision ID: a9d3e5f71c28
Revises: f3a61c0d2b57
Create Date: 2026-12-04 17:00:00

A new order's number follows the highest issued that day (crm_core.foundation.numbering). `LIKE 'SO...%'`
used no index in a database of any other collation and read every order (65 ms at a million);
ordered by code point, the unique index answers the prefix as a range. SQLite compares code
points already. Changing the type rebuilds the unique index.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "a9d3e5f71c28"
down_revision: str | Sequence[str] | None = "f3a61c0d2b57"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute('ALTER TABLE cr_order ALTER COLUMN number TYPE VARCHAR(32) COLLATE "C"')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute('ALTER TABLE cr_order ALTER COLUMN number TYPE VARCHAR(32) COLLATE "default"')
