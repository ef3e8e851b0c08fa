"""Deliverables: files kept in the deployment's file store (content-addressed, SHA-256) or records.

A file is copied to STORE/ab/abcdef... (its checksum), so the same file stored twice takes the
space once and a file cannot change under its record. A file copied in by a write that then rolls
back stays in the store unreferenced; `crm deliverables verify` reports missing or altered files.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import attrs
from sqlalchemy import select

from crm_core.contract import Context, NotFound, ValidationError
from crm_project_sales import settings
from crm_project_sales.models import Deliverable, Project
from crm_project_sales.services import pipeline

CHUNK = 1 << 20


def checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _store(ctx: Context, source: Path) -> tuple[str, str, int]:
    if not source.is_file():
        raise ValidationError(f"no file {source}")
    sha = checksum(source)
    target = settings.file_store(ctx) / sha[:2] / sha
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        shutil.copyfile(source, partial)
        partial.replace(target)
    return str(target), sha, source.stat().st_size


def add(
    ctx: Context,
    project: Project,
    deliverable: str,
    *,
    path: Path | None = None,
    record: dict[str, Any] | None = None,
    stage_code: str | None = None,
) -> Deliverable:
    """Attach a deliverable to a stage of the project (default: its current stage)."""
    if (path is None) == (record is None):
        raise ValidationError("a deliverable is either a file or a record")
    stage_code = stage_code or project.stage_code
    target = pipeline.stage(ctx, project.category, stage_code)
    current = pipeline.stage(ctx, project.category, project.stage_code)
    if target.seq > current.seq:
        raise ValidationError(f"the project has not reached {stage_code} yet")
    required = {
        r.deliverable: r
        for r in pipeline.requirements(ctx, project.category)
        if r.stage_code == stage_code
    }
    kind = "file" if path is not None else "record"
    if deliverable in required and required[deliverable].kind != kind:
        raise ValidationError(f"{deliverable} must be a {required[deliverable].kind}")
    item = Deliverable(
        customer_id=project.customer_id,
        project_id=project.id,
        stage_code=stage_code,
        deliverable=deliverable,
        kind=kind,
        added_by_id=ctx.actor.id,
        added_at=ctx.now(),
    )
    if path is not None:
        item.stored_path, item.sha256, item.size = _store(ctx, path)
        item.file_name = path.name
    else:
        if not record:
            raise ValidationError("a record needs at least one field")
        item.record = record
    ctx.session.add(item)
    ctx.session.flush()
    return item


def remove(ctx: Context, project: Project, deliverable_id: int) -> None:
    """Remove a deliverable of the current stage; those of passed stages are history."""
    item = ctx.session.get(Deliverable, deliverable_id)
    if item is None or item.project_id != project.id:
        raise NotFound(f"project {project.id} has no deliverable {deliverable_id}")
    if item.stage_code != project.stage_code:
        raise ValidationError(
            f"deliverable {deliverable_id} belongs to passed stage {item.stage_code}; it stays"
        )
    ctx.session.delete(item)
    ctx.session.flush()


@attrs.frozen
class GateStatus:
    stage_code: str
    done: tuple[str, ...]
    missing: tuple[str, ...]


def gate_status(ctx: Context, project: Project, stage_code: str) -> GateStatus:
    required = [
        r for r in pipeline.requirements(ctx, project.category) if r.stage_code == stage_code
    ]
    present = set(
        ctx.session.scalars(
            select(Deliverable.deliverable).where(
                Deliverable.project_id == project.id, Deliverable.stage_code == stage_code
            )
        )
    )
    done = tuple(r.deliverable for r in required if r.deliverable in present)
    missing = tuple(
        f"{r.deliverable} ({r.label_zh}, {r.kind})"
        for r in required
        if r.deliverable not in present
    )
    return GateStatus(stage_code, done, missing)


def listing(ctx: Context, project: Project) -> list[dict[str, object]]:
    rows = ctx.session.scalars(
        select(Deliverable).where(Deliverable.project_id == project.id).order_by(Deliverable.id)
    )
    return [
        {
            "id": d.id,
            "stage": d.stage_code,
            "deliverable": d.deliverable,
            "kind": d.kind,
            "file": d.file_name,
            "sha256": (d.sha256 or "")[:12],
            "record": d.record,
        }
        for d in rows
    ]


def verify(ctx: Context) -> list[dict[str, object]]:
    """Every stored file that is missing or whose checksum no longer matches."""
    problems: list[dict[str, object]] = []
    for item in ctx.session.scalars(
        select(Deliverable).where(Deliverable.kind == "file").order_by(Deliverable.id)
    ):
        path = Path(item.stored_path or "")
        if not path.is_file():
            problems.append({"id": item.id, "file": item.file_name, "problem": "missing"})
        elif checksum(path) != item.sha256:
            problems.append({"id": item.id, "file": item.file_name, "problem": "checksum differs"})
    return problems
