"""Customers' pinyin initials, for search as people type ("bjhy" finds 北京华远科技)

Revision ID: 0013_customer_initials
Revises: 0012_sign_in_and_server
Create Date: 2026-12-08 01:20:00

The column is filled from each customer's name key in batches, then indexed. On PostgreSQL it
takes the C collation like the other keys, so an index range answers "starts with".
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_core.foundation.initials import initials

revision: str = "0013_customer_initials"
down_revision: str | Sequence[str] | None = "0012_sign_in_and_server"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 10_000
_customers = sa.table(
    "crm_customer",
    sa.column("id", sa.Integer),
    sa.column("name_key", sa.String),
    sa.column("initials", sa.String),
)


def upgrade() -> None:
    connection = op.get_bind()
    column = sa.String(32).with_variant(sa.String(32, collation="C"), "postgresql")
    op.add_column("crm_customer", sa.Column("initials", column, nullable=True))
    after = 0
    while True:
        rows = connection.execute(
            sa.select(_customers.c.id, _customers.c.name_key)
            .where(_customers.c.id > after)
            .order_by(_customers.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        after = rows[-1].id
        connection.execute(
            sa.update(_customers)
            .where(_customers.c.id == sa.bindparam("_id"))
            .values(initials=sa.bindparam("_initials")),
            [{"_id": row.id, "_initials": initials(row.name_key)} for row in rows],
        )
    op.create_index("ix_crm_customer_initials", "crm_customer", ["initials"])


def downgrade() -> None:
    op.drop_index("ix_crm_customer_initials", table_name="crm_customer")
    # A plain DROP COLUMN (SQLite 3.35+): a batch copy of the table would break the triggers
    # the rollups keep on it.
    op.execute("ALTER TABLE crm_customer DROP COLUMN initials")
