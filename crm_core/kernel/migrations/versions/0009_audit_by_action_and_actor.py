"""Index the audit log by action, actor and time: one person's protection probes of a day

Revision ID: 0009_audit_by_action_and_actor
Revises: 0008_customer_keys_by_skeleton
Create Date: 2026-12-07 11:00:00

A registration that names a customer its author may not see is recorded as a `probe` and counted
per person and day; the count reads this index, not the day's whole log.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009_audit_by_action_and_actor"
down_revision: str | Sequence[str] | None = "0008_customer_keys_by_skeleton"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_crm_audit_action_actor", "crm_audit", ["action", "actor_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_crm_audit_action_actor", table_name="crm_audit")
