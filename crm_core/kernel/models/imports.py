"""The import journal: each run of `crm import`, its committed batches and its rejected rows.

A batch's journal row is written in the same transaction as the batch's records, so after a crash
the journal says exactly which batches are in; re-running the same file resumes after them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.foundation.schema import Base
from crm_core.foundation.types import UTCDateTime, utcnow


class ImportRun(Base):
    __tablename__ = "crm_import_run"
    __table_args__ = (Index("ix_crm_import_run_file", "entity", "file_digest"),)
    __crm_audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(300))
    #: SHA-256 of the file's bytes: the same file, whatever it is called.
    file_digest: Mapped[str] = mapped_column(String(64))
    #: Rows per committed batch; None when the whole file is one transaction.
    batch_size: Mapped[int | None] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)


class ImportBatch(Base):
    __tablename__ = "crm_import_batch"
    __crm_audit__ = False

    run_id: Mapped[int] = mapped_column(
        ForeignKey("crm_import_run.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_row: Mapped[int] = mapped_column(Integer)
    last_row: Mapped[int] = mapped_column(Integer)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    committed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportRejection(Base):
    """A row a batch rejected, kept so a resumed run can still write a complete error file."""

    __tablename__ = "crm_import_rejection"
    __crm_audit__ = False

    run_id: Mapped[int] = mapped_column(
        ForeignKey("crm_import_run.id", ondelete="CASCADE"), primary_key=True
    )
    row: Mapped[int] = mapped_column(Integer, primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
