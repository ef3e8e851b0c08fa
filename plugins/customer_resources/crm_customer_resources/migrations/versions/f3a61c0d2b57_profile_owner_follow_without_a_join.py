"""profile: on PostgreSQL the owner copy follows a customer update without joining the
statement's old and new rows

The trigger function compared each customer's old and new owner by joining the two transition
tables. PL/pgSQL plans that statement once per session, for the sizes of its first run: after a
one-customer edit, a transfer of 4,166 customers ran the join as nested loops (17 s for this
one statement). The profile's own copy is the old owner, so the new rows alone say which
profiles to update, by their key.

Revision ID: f3a61c0d2b57
Revises: e7b2c94f0a63
Create Date: 2026-12-03 10:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f3a61c0d2b57"
down_revision: str | Sequence[str] | None = "e7b2c94f0a63"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _follow(statement: str) -> str:
    return (
        "CREATE OR REPLACE FUNCTION cr_profile_owner_follow() RETURNS trigger "
        "LANGUAGE plpgsql AS $body$\n"
        f"BEGIN\n  {statement};\n  RETURN NULL;\nEND\n$body$"
    )


FOLLOW = _follow(
    "UPDATE cr_customer_profile p SET owner_id = n.owner_id\n"
    "  FROM new_rows n\n"
    "  WHERE p.customer_id = n.id AND p.owner_id IS DISTINCT FROM n.owner_id"
)
FOLLOW_BEFORE = _follow(
    "UPDATE cr_customer_profile p SET owner_id = n.owner_id\n"
    "  FROM new_rows n JOIN old_rows o ON o.id = n.id\n"
    "  WHERE p.customer_id = n.id AND o.owner_id IS DISTINCT FROM n.owner_id"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text(FOLLOW))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text(FOLLOW_BEFORE))
