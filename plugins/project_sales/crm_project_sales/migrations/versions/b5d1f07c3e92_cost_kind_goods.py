"""project costs: the kind `goods`, the actual cost of the goods delivered

Revision ID: b5d1f07c3e92
Revises: e2b94f6a0c17
Create Date: 2026-12-07 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "b5d1f07c3e92"
down_revision: str | Sequence[str] | None = "e2b94f6a0c17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _kinds(condition: str) -> None:
    with op.batch_alter_table("ps_cost", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_ps_cost_kind"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_ps_cost_kind"), condition)


def upgrade() -> None:
    _kinds("kind in ('goods', 'cost', 'expense')")


def downgrade() -> None:
    op.execute("UPDATE ps_cost SET kind = 'cost' WHERE kind = 'goods'")
    _kinds("kind in ('cost', 'expense')")
