"""The pipeline: stages with win probabilities, and the deliverables each stage's gate requires.

A category either has its own pipeline (stage rows with that category) or uses the default one
("*"). Gate requirements for a stage are the default ones ("*") plus the category's own.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
from sqlalchemy import delete, select

from crm_core.contract import Context, PermissionDenied, ValidationError
from crm_project_sales.models import DEFAULT_CATEGORY, GateRequirement, Stage

DEFAULT_STAGES = (
    # code, name, name_zh, probability, outcome
    ("lead", "Lead", "线索", 10, "open"),
    ("qualification", "Qualification", "立项评估", 20, "open"),
    ("solution", "Solution", "方案", 40, "open"),
    ("quotation", "Quotation", "报价", 60, "open"),
    ("negotiation", "Negotiation", "商务谈判", 80, "open"),
    ("won", "Won", "赢单", 100, "won"),
    ("lost", "Lost", "丢单", 0, "lost"),
)
DEFAULT_GATES = (
    # category, stage, deliverable, label_zh, kind
    (DEFAULT_CATEGORY, "qualification", "budget", "预算确认", "record"),
    (DEFAULT_CATEGORY, "solution", "design_plan", "设计方案", "file"),
    (DEFAULT_CATEGORY, "quotation", "quotation", "报价单", "file"),
    (DEFAULT_CATEGORY, "negotiation", "contract_draft", "合同草案", "file"),
    ("engineering", "solution", "site_photos", "现场照片", "file"),
)


@attrs.frozen
class Requirement:
    stage_code: str
    deliverable: str
    label_zh: str
    kind: str


def seed_defaults(ctx: Context) -> None:
    if ctx.session.scalar(select(Stage.id).limit(1)) is None:
        _add_stages(ctx, DEFAULT_CATEGORY, DEFAULT_STAGES)
    if ctx.session.scalar(select(GateRequirement.id).limit(1)) is None:
        for category, stage, deliverable, label, kind in DEFAULT_GATES:
            ctx.session.add(
                GateRequirement(
                    category=category,
                    stage_code=stage,
                    deliverable=deliverable,
                    label_zh=label,
                    kind=kind,
                )
            )
    ctx.session.flush()


def _add_stages(
    ctx: Context, category: str, spec: Sequence[tuple[str, str, str, int, str]]
) -> None:
    """Stage rows for `category`, in order: (code, name, name_zh, probability, outcome)."""
    for seq, (code, name, name_zh, probability, outcome) in enumerate(spec):
        ctx.session.add(
            Stage(
                category=category,
                code=code,
                name=name,
                name_zh=name_zh,
                seq=seq,
                probability=probability,
                outcome=outcome,
            )
        )


def stages(ctx: Context, category: str) -> list[Stage]:
    """The pipeline for a category, in order."""
    own = list(
        ctx.session.scalars(select(Stage).where(Stage.category == category).order_by(Stage.seq))
    )
    if own:
        return own
    return list(
        ctx.session.scalars(
            select(Stage).where(Stage.category == DEFAULT_CATEGORY).order_by(Stage.seq)
        )
    )


def stage(ctx: Context, category: str, code: str) -> Stage:
    for found in stages(ctx, category):
        if found.code == code:
            return found
    known = ", ".join(s.code for s in stages(ctx, category))
    raise ValidationError(f"no stage {code!r} in the {category} pipeline ({known})")


def requirements(ctx: Context, category: str) -> list[Requirement]:
    rows = ctx.session.scalars(
        select(GateRequirement).where(GateRequirement.category.in_((DEFAULT_CATEGORY, category)))
    )
    return sorted(
        {Requirement(r.stage_code, r.deliverable, r.label_zh, r.kind) for r in rows},
        key=lambda r: (r.stage_code, r.deliverable),
    )


def _admin(ctx: Context) -> None:
    if not ctx.actor.is_admin:
        raise PermissionDenied("only an admin may change the pipeline")


def set_pipeline(
    ctx: Context, category: str, spec: Sequence[tuple[str, str, str, int, str]]
) -> None:
    """Give a category its own pipeline: (code, name, name_zh, probability, outcome) in order.

    Needs exactly one won and one lost stage; refused while projects of that category sit in a
    stage the new pipeline lacks.
    """
    _admin(ctx)
    codes = [code for code, *_ in spec]
    if len(set(codes)) != len(codes):
        raise ValidationError("stage codes repeat")
    outcomes = [outcome for *_, outcome in spec]
    if outcomes.count("won") != 1 or outcomes.count("lost") != 1:
        raise ValidationError("a pipeline needs exactly one won and one lost stage")
    for code, _, _, probability, outcome in spec:
        if not 0 <= probability <= 100 or outcome not in ("open", "won", "lost"):
            raise ValidationError(f"stage {code}: probability 0-100, outcome open/won/lost")
    from crm_core.contract.tables import table_of
    from crm_project_sales.models import Project

    projects = table_of(Project)  # every project counts here, whoever may see it
    in_use = set(
        ctx.session.scalars(
            select(projects.c.stage_code).where(projects.c.category == category).distinct()
        )
    )
    missing = sorted(in_use - set(codes))
    if missing:
        raise ValidationError(f"projects of {category} sit in stage(s) {', '.join(missing)}")
    ctx.session.execute(delete(Stage).where(Stage.category == category))
    _add_stages(ctx, category, spec)
    ctx.session.flush()


def require(
    ctx: Context, category: str, stage_code: str, deliverable: str, label_zh: str, kind: str
) -> None:
    _admin(ctx)
    if kind not in ("file", "record"):
        raise ValidationError("a deliverable is a file or a record")
    stage(ctx, category, stage_code)
    exists = ctx.session.scalar(
        select(GateRequirement.id).where(
            GateRequirement.category == category,
            GateRequirement.stage_code == stage_code,
            GateRequirement.deliverable == deliverable,
        )
    )
    if exists is not None:
        raise ValidationError(f"{stage_code} already requires {deliverable}")
    ctx.session.add(
        GateRequirement(
            category=category,
            stage_code=stage_code,
            deliverable=deliverable,
            label_zh=label_zh,
            kind=kind,
        )
    )
    ctx.session.flush()


def unrequire(ctx: Context, category: str, stage_code: str, deliverable: str) -> None:
    _admin(ctx)
    result = ctx.session.execute(
        delete(GateRequirement).where(
            GateRequirement.category == category,
            GateRequirement.stage_code == stage_code,
            GateRequirement.deliverable == deliverable,
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise ValidationError(f"{category}/{stage_code} does not require {deliverable}")
