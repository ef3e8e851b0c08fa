"""The import journal (crm_import_run / _batch / _rejection), written with Core statements."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from crm_core.foundation.errors import ConflictError
from crm_core.foundation.schema import table_of
from crm_core.hooks.context import Context
from crm_core.kernel.models import ImportBatch, ImportRejection, ImportRun, User

_runs = table_of(ImportRun)
_batches = table_of(ImportBatch)
_rejections = table_of(ImportRejection)
_users = table_of(User)

COUNTS = ("inserted", "updated", "skipped", "rejected")


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def completed_run(ctx: Context, entity: str, digest: str) -> tuple[int, str, str] | None:
    """(run id, when, by whom) of a finished import of this very file that wrote something."""
    row = ctx.session.execute(
        select(_runs.c.id, _runs.c.finished_at, _users.c.login)
        .outerjoin(_users, _users.c.id == _runs.c.actor_id)
        .where(
            _runs.c.entity == entity,
            _runs.c.file_digest == digest,
            _runs.c.finished_at.is_not(None),
            _runs.c.inserted + _runs.c.updated > 0,
        )
        .order_by(_runs.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    when = ctx.local(row[1]).strftime("%Y-%m-%d %H:%M")
    return int(row[0]), when, row[2] or "?"


def unfinished_run(ctx: Context, entity: str, digest: str, batch_size: int) -> int | None:
    return ctx.session.scalar(
        select(_runs.c.id)
        .where(
            _runs.c.entity == entity,
            _runs.c.file_digest == digest,
            _runs.c.batch_size == batch_size,
            _runs.c.finished_at.is_(None),
        )
        .order_by(_runs.c.id.desc())
        .limit(1)
    )


def start_run(ctx: Context, entity: str, path: Path, digest: str, batch_size: int | None) -> int:
    return int(
        ctx.session.execute(
            insert(_runs).returning(_runs.c.id),
            {
                "entity": entity,
                "file_name": path.name[:300],
                "file_digest": digest,
                "batch_size": batch_size,
                "actor_id": ctx.actor.id,
                "started_at": ctx.now(),
                **dict.fromkeys(COUNTS, 0),
            },
        ).scalar_one()
    )


def committed_batches(ctx: Context, run_id: int) -> set[int]:
    return set(ctx.session.scalars(select(_batches.c.number).where(_batches.c.run_id == run_id)))


def rejections(ctx: Context, run_id: int) -> dict[int, str]:
    found = ctx.session.execute(
        select(_rejections.c.row, _rejections.c.reason).where(_rejections.c.run_id == run_id)
    )
    return {int(row): reason for row, reason in found}


def record_batch(
    ctx: Context,
    run_id: int,
    number: int,
    rows: tuple[int, int],
    counts: dict[str, int],
    rejected: Iterable[tuple[int, str]],
) -> None:
    """Journal a batch in the transaction that writes it; a second writer of the same batch
    (another process importing the same file) gets a ConflictError and its batch rolls back."""
    try:
        with ctx.session.begin_nested():
            ctx.session.execute(
                insert(_batches),
                {
                    "run_id": run_id,
                    "number": number,
                    "first_row": rows[0],
                    "last_row": rows[1],
                    "committed_at": ctx.now(),
                    **counts,
                },
            )
    except IntegrityError:
        raise ConflictError(
            f"batch {number} of import run {run_id} was committed by another process; "
            "is the same file being imported twice at once?"
        ) from None
    values = [{"run_id": run_id, "row": row, "reason": reason} for row, reason in rejected]
    if values:
        ctx.session.execute(insert(_rejections), values)


def finish_run(ctx: Context, run_id: int, counts: dict[str, int] | None = None) -> dict[str, int]:
    """Close a run; totals are the given counts, else the sum of its batches."""
    if counts is None:
        sums = ctx.session.execute(
            select(*(func.coalesce(func.sum(_batches.c[c]), 0) for c in COUNTS)).where(
                _batches.c.run_id == run_id
            )
        ).one()
        counts = {name: int(value) for name, value in zip(COUNTS, sums, strict=True)}
    ctx.session.execute(
        update(_runs).where(_runs.c.id == run_id).values(finished_at=ctx.now(), **counts)
    )
    return counts
