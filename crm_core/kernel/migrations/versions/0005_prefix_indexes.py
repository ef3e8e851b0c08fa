"""PostgreSQL: the name and phone keys take the C collation, for prefix search by index range

Revision ID: 0005_prefix_indexes
Revises: 0004_customization
Create Date: 2026-11-23 16:20:00

Keys are machine strings: ordered by code point, an index range on them answers "starts with"
in a database of any locale, and the statistics describe that order. SQLite compares code
points already, so nothing changes there. Changing the type rebuilds the keys' unique indexes.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005_prefix_indexes"
down_revision: str | Sequence[str] | None = "0004_customization"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (("name_key", 200), ("phone_key", 32))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column, length in COLUMNS:
        op.execute(
            f'ALTER TABLE crm_customer ALTER COLUMN {column} TYPE VARCHAR({length}) COLLATE "C"'
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for column, length in COLUMNS:
        op.execute(
            f"ALTER TABLE crm_customer ALTER COLUMN {column} TYPE VARCHAR({length}) "
            'COLLATE "default"'
        )
