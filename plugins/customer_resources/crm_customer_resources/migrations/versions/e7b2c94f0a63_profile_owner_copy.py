"""profile: a copy of the customer's owner, kept by triggers, with (owner, last contact) and
(owner, last activity) indexes for a team's "not contacted" and "protection ends" lists

Revision ID: e7b2c94f0a63
Revises: d5a7c3e81f42
Create Date: 2026-12-02 08:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e7b2c94f0a63"
down_revision: str | Sequence[str] | None = "d5a7c3e81f42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWNER_OF = "(SELECT c.owner_id FROM crm_customer c WHERE c.id = {row}.customer_id)"

#: PostgreSQL: a profile's owner is read from its customer whenever the profile is written (so
#: no writer can set another), and follows the customer's owner in the statement that changes it.
PG_UP = [
    "CREATE FUNCTION cr_profile_owner_derive() RETURNS trigger LANGUAGE plpgsql AS $body$\n"
    "BEGIN\n"
    f"  NEW.owner_id := {OWNER_OF.format(row='NEW')};\n"
    "  RETURN NEW;\n"
    "END\n$body$",
    "CREATE TRIGGER cr_profile_owner_derive BEFORE INSERT OR UPDATE OF customer_id, owner_id "
    "ON cr_customer_profile FOR EACH ROW EXECUTE FUNCTION cr_profile_owner_derive()",
    "CREATE FUNCTION cr_profile_owner_follow() RETURNS trigger LANGUAGE plpgsql AS $body$\n"
    "BEGIN\n"
    "  UPDATE cr_customer_profile p SET owner_id = n.owner_id\n"
    "  FROM new_rows n JOIN old_rows o ON o.id = n.id\n"
    "  WHERE p.customer_id = n.id AND o.owner_id IS DISTINCT FROM n.owner_id;\n"
    "  RETURN NULL;\n"
    "END\n$body$",
    "CREATE TRIGGER cr_profile_owner_follow AFTER UPDATE ON crm_customer "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION cr_profile_owner_follow()",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS cr_profile_owner_follow ON crm_customer",
    "DROP FUNCTION IF EXISTS cr_profile_owner_follow()",
    "DROP TRIGGER IF EXISTS cr_profile_owner_derive ON cr_customer_profile",
    "DROP FUNCTION IF EXISTS cr_profile_owner_derive()",
]
#: SQLite: the same with row triggers (recursive triggers are off: the UPDATE a trigger makes
#: does not fire it again).
SQLITE_UP = [
    "CREATE TRIGGER cr_profile_owner_on_insert AFTER INSERT ON cr_customer_profile "
    f"WHEN NEW.owner_id IS NOT {OWNER_OF.format(row='NEW')} BEGIN "
    f"UPDATE cr_customer_profile SET owner_id = {OWNER_OF.format(row='NEW')} "
    "WHERE customer_id = NEW.customer_id; END",
    "CREATE TRIGGER cr_profile_owner_on_update AFTER UPDATE OF customer_id, owner_id "
    f"ON cr_customer_profile WHEN NEW.owner_id IS NOT {OWNER_OF.format(row='NEW')} BEGIN "
    f"UPDATE cr_customer_profile SET owner_id = {OWNER_OF.format(row='NEW')} "
    "WHERE customer_id = NEW.customer_id; END",
    "CREATE TRIGGER cr_profile_owner_follow AFTER UPDATE OF owner_id ON crm_customer "
    "WHEN OLD.owner_id IS NOT NEW.owner_id BEGIN "
    "UPDATE cr_customer_profile SET owner_id = NEW.owner_id WHERE customer_id = NEW.id; END",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS cr_profile_owner_follow",
    "DROP TRIGGER IF EXISTS cr_profile_owner_on_update",
    "DROP TRIGGER IF EXISTS cr_profile_owner_on_insert",
]


def upgrade() -> None:
    op.add_column("cr_customer_profile", sa.Column("owner_id", sa.Integer(), nullable=True))
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in PG_UP if postgres else SQLITE_UP:
        op.execute(sa.text(statement))
    op.execute(
        sa.text(
            "UPDATE cr_customer_profile SET owner_id = "
            + OWNER_OF.format(row="cr_customer_profile")
        )
    )
    for name, moment in (("contact", "last_contact_at"), ("activity", "last_activity_at")):
        op.create_index(
            f"ix_cr_customer_profile_owner_{name}",
            "cr_customer_profile",
            ["owner_id", moment, "customer_id"],
            unique=False,
        )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in PG_DOWN if postgres else SQLITE_DOWN:
        op.execute(sa.text(statement))
    for name in ("contact", "activity"):
        op.drop_index(f"ix_cr_customer_profile_owner_{name}", table_name="cr_customer_profile")
    with op.batch_alter_table("cr_customer_profile", schema=None) as batch_op:
        batch_op.drop_column("owner_id")
