"""What the server remembers between requests and workers: the answers to create requests
sent with an Idempotency-Key, and which scheduled job ran for which slot."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.foundation.schema import Base
from crm_core.foundation.types import UTCDateTime, utcnow


class IdempotentRequest(Base):
    """The answer given to a request with an Idempotency-Key, replayed when it is retried."""

    __tablename__ = "crm_idempotent_request"
    __crm_audit__ = False

    user_id: Mapped[int] = mapped_column(
        ForeignKey("crm_user.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    #: SHA-256 of method, path and body: the same key with another request is refused.
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class JobRun(Base):
    """One run of a scheduled job for one slot (a day): the primary key is the lock that
    makes it run once however many workers start it."""

    __tablename__ = "crm_job_run"
    __crm_audit__ = False

    job: Mapped[str] = mapped_column(String(64), primary_key=True)
    slot: Mapped[str] = mapped_column(String(32), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(Text)
