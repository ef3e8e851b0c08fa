"""How people prove who they are: a password per user, the sessions a sign-in opens, the API
tokens integrations use, and the server's signing key. Secrets are stored only as hashes
(argon2id for passwords, SHA-256 for random tokens) and never enter the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.foundation.schema import Base
from crm_core.foundation.types import UTCDateTime, utcnow


class Credential(Base):
    """A user's password (argon2id) and their sign-in failures."""

    __tablename__ = "crm_credential"
    __crm_audit__ = False  # the service audits "password set" itself, without the hash

    user_id: Mapped[int] = mapped_column(
        ForeignKey("crm_user.id", ondelete="CASCADE"), primary_key=True
    )
    password_hash: Mapped[str] = mapped_column(String(200))
    #: Set by an administrator's `crm users passwd`: the user chooses their own at sign-in.
    must_change: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignInSession(Base):
    """A signed-in browser. The cookie holds the random token; only its hash is stored."""

    __tablename__ = "crm_sign_in_session"
    __table_args__ = (Index("ix_crm_sign_in_session_user", "user_id", "revoked_at"),)
    __crm_audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("crm_user.id", ondelete="CASCADE"))
    #: The user's role and team when the session opened: a change of either ends it.
    role: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    client: Mapped[str | None] = mapped_column(String(64))


class ApiToken(Base):
    """A token an integration sends as `Authorization: Bearer ...`; it acts as its user."""

    __tablename__ = "crm_api_token"
    __table_args__ = (Index("ix_crm_api_token_user", "user_id"),)
    __crm_audit__ = False  # the service audits create and revoke, without the secret

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("crm_user.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    #: The first characters of the token, shown in lists so people can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(8))
    role: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ServerKey(Base):
    """The secret the server signs cookies and CSRF tokens with, made at first start, shared
    by every worker through the database."""

    __tablename__ = "crm_server_key"
    __crm_audit__ = False

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
