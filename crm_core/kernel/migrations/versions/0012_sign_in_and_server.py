"""Sign-in: passwords, sessions, API tokens; the server's idempotent requests and job runs

Revision ID: 0012_sign_in_and_server
Revises: 0011_grants
Create Date: 2026-12-07 15:51:14
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import crm_core.foundation.types

revision: str = "0012_sign_in_and_server"
down_revision: str | Sequence[str] | None = "0011_grants"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "crm_job_run",
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("slot", sa.String(length=32), nullable=False),
        sa.Column(
            "started_at", crm_core.foundation.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "finished_at", crm_core.foundation.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("job", "slot", name=op.f("pk_crm_job_run")),
    )
    op.create_table(
        "crm_server_key",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column(
            "created_at", crm_core.foundation.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_crm_server_key")),
    )
    op.create_table(
        "crm_api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", crm_core.foundation.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "expires_at", crm_core.foundation.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "last_used_at", crm_core.foundation.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "revoked_at", crm_core.foundation.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["crm_user.id"],
            name=op.f("fk_crm_api_token_user_id_crm_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_crm_api_token_token_hash")),
    )
    with op.batch_alter_table("crm_api_token", schema=None) as batch_op:
        batch_op.create_index("ix_crm_api_token_user", ["user_id"], unique=False)

    op.create_table(
        "crm_credential",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("must_change", sa.Boolean(), nullable=False),
        sa.Column(
            "changed_at", crm_core.foundation.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column(
            "locked_until", crm_core.foundation.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["crm_user.id"],
            name=op.f("fk_crm_credential_user_id_crm_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_crm_credential")),
    )
    op.create_table(
        "crm_idempotent_request",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column(
            "created_at", crm_core.foundation.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["crm_user.id"],
            name=op.f("fk_crm_idempotent_request_user_id_crm_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "key", name=op.f("pk_crm_idempotent_request")),
    )
    op.create_table(
        "crm_sign_in_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", crm_core.foundation.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "last_seen_at", crm_core.foundation.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "expires_at", crm_core.foundation.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "revoked_at", crm_core.foundation.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["crm_user.id"],
            name=op.f("fk_crm_sign_in_session_user_id_crm_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_sign_in_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_crm_sign_in_session_token_hash")),
    )
    with op.batch_alter_table("crm_sign_in_session", schema=None) as batch_op:
        batch_op.create_index(
            "ix_crm_sign_in_session_user", ["user_id", "revoked_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("crm_sign_in_session", schema=None) as batch_op:
        batch_op.drop_index("ix_crm_sign_in_session_user")

    op.drop_table("crm_sign_in_session")
    op.drop_table("crm_idempotent_request")
    op.drop_table("crm_credential")
    with op.batch_alter_table("crm_api_token", schema=None) as batch_op:
        batch_op.drop_index("ix_crm_api_token_user")

    op.drop_table("crm_api_token")
    op.drop_table("crm_server_key")
    op.drop_table("crm_job_run")
