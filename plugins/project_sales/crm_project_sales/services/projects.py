"""Sales projects (opportunities) and their movement through the pipeline's stage gates.

The rule: a project never sits past a stage whose gate is unmet. Advancing checks the gate of every
stage being left; the refusal lists what is missing. Deliverables of passed stages cannot be removed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from crm_core.contract import (
    Context,
    NotFound,
    PermissionDenied,
    ValidationError,
    _,
    customers,
    picklists,
    rules,
)
from crm_core.contract.access import manages, user_by_login
from crm_core.contract.inputs import record_id
from crm_core.contract.models import Customer, User
from crm_core.contract.products import parse_amount
from crm_core.contract.tables import table_of
from crm_project_sales.models import Project, Quote, StageChange
from crm_project_sales.services import deliverables, pipeline, won_orders


def create(
    ctx: Context,
    customer_ref: str,
    name: str,
    *,
    expected_amount: Decimal | str,
    expected_close: date,
    category: str = "standard",
    owner_login: str | None = None,
) -> Project:
    customer = customers.get(ctx, customer_ref)
    if customer.kind == "competitor":
        raise ValidationError(f"{customer.name} is a competitor")
    if not name.strip():
        raise ValidationError("a project needs a name")
    owner = _project_owner(ctx, customer, owner_login)
    if not manages(ctx, owner):
        raise PermissionDenied(f"{ctx.actor.login} may not open projects for {owner.login}")
    first = pipeline.stages(ctx, category)[0]
    now = ctx.now()
    project = Project(
        customer_id=customer.id,
        name=name.strip(),
        owner_id=owner.id,
        team_id=owner.team_id,
        category=category,
        stage_code=first.code,
        stage_entered_at=now,
        expected_amount=parse_amount(expected_amount, "expected amount"),
        expected_close=expected_close,
        created_at=now,
    )
    ctx.session.add(project)
    ctx.session.flush()
    ctx.session.add(
        StageChange(
            customer_id=customer.id,
            project_id=project.id,
            from_stage=None,
            to_stage=first.code,
            at=now,
            by_id=ctx.actor.id,
        )
    )
    ctx.session.flush()
    return project


def get(ctx: Context, ref: str | int) -> Project:
    text = str(ref)
    number = record_id(text)
    query = select(Project).where(
        Project.id == number if number is not None else Project.name == text
    )
    found = ctx.session.scalars(query.limit(2)).all()
    if not found:
        raise NotFound(f"no project {text} (or you may not see it)")
    if len(found) > 1:
        raise ValidationError(f"several projects are called {text}; use the id")
    return found[0]


def _project_owner(ctx: Context, customer: Customer, owner_login: str | None) -> User:
    """Open projects belong to their customer's owner (and follow it on transfer); a pool
    customer's project belongs to the named user, else to the acting user."""
    named = user_by_login(ctx, owner_login) if owner_login else None
    if customer.owner_id is not None:
        holder = ctx.session.get(User, customer.owner_id)
        assert holder is not None
        if named is not None and named.id != holder.id:
            raise ValidationError(
                _(
                    "Projects of {customer} belong to its owner {owner}; transfer the customer first.",
                    customer=customer.name,
                    owner=holder.login,
                )
            )
        return holder
    owner = named or ctx.session.get(User, ctx.actor.id)
    if owner is None:
        raise ValidationError("name the owner (--owner LOGIN)")
    return owner


def _may_change(ctx: Context, project: Project) -> None:
    owner = ctx.session.get(User, project.owner_id)
    if owner is None or not manages(ctx, owner):
        raise PermissionDenied(f"{ctx.actor.login} may not change project {project.id}")


def _enter(ctx: Context, project: Project, code: str) -> None:
    now = ctx.now()
    ctx.session.add(
        StageChange(
            customer_id=project.customer_id,
            project_id=project.id,
            from_stage=project.stage_code,
            to_stage=code,
            at=now,
            by_id=ctx.actor.id,
        )
    )
    project.stage_code = code
    project.stage_entered_at = now
    ctx.session.flush()
    rules.fire(ctx, "project.stage_changed", [project.id])


def advance(
    ctx: Context,
    ref: str | int,
    to: str | None = None,
    *,
    installments: int | None = None,
    every_days: int | None = None,
) -> Project:
    """Move forward (to the next stage, or to `to`), or back to an earlier open stage.

    Moving forward checks the gate of every stage being left; the refusal names what is missing.
    Winning sets the contract amount and, with customer_resources, places the project's order
    (`won_orders`: `installments` every `every_days`, by default the block's settings).
    """
    project = get(ctx, ref)
    _may_change(ctx, project)
    ladder = pipeline.stages(ctx, project.category)
    current = pipeline.stage(ctx, project.category, project.stage_code)
    if current.outcome != "open":
        raise ValidationError(f"project {project.id} is {current.code}; it is closed")
    if to is None:
        later = [s for s in ladder if s.seq > current.seq and s.outcome != "lost"]
        if not later:
            raise ValidationError(f"project {project.id} is at the last stage")
        target = later[0]
    else:
        target = pipeline.stage(ctx, project.category, to)
    if target.outcome == "lost":
        raise ValidationError("use `crm projects lose` with a reason")
    if target.seq == current.seq:
        return project
    if target.seq < current.seq:
        _enter(ctx, project, target.code)
        return project
    missing: list[str] = []
    for leaving in ladder:
        if current.seq <= leaving.seq < target.seq and leaving.outcome == "open":
            status = deliverables.gate_status(ctx, project, leaving.code)
            missing += [f"{leaving.code}: {item}" for item in status.missing]
    if missing:
        raise ValidationError(
            _(
                "project {id} cannot leave {stage}; missing {missing}",
                id=project.id,
                stage=current.code,
                missing="; ".join(missing),
            )
        )
    _enter(ctx, project, target.code)
    if target.outcome == "won":
        accepted = ctx.session.scalar(
            select(Quote).where(Quote.project_id == project.id, Quote.status == "accepted")
        )
        project.contract_amount = (
            accepted.total if accepted else project.contract_amount or project.expected_amount
        )
        project.closed_at = ctx.now()
        ctx.session.flush()
        won_orders.place(ctx, project, installments=installments, every_days=every_days)
    return project


def lose(ctx: Context, ref: str | int, reason: str) -> Project:
    project = get(ctx, ref)
    _may_change(ctx, project)
    if not reason.strip():
        raise ValidationError("say why the project was lost (--reason)")
    resolve = picklists.resolver(ctx, "loss_reason")  # free text until the admin lists reasons
    reason = resolve(reason) if resolve is not None else reason
    current = pipeline.stage(ctx, project.category, project.stage_code)
    if current.outcome != "open":
        raise ValidationError(f"project {project.id} is {current.code}; it is closed")
    lost = next(s for s in pipeline.stages(ctx, project.category) if s.outcome == "lost")
    _enter(ctx, project, lost.code)
    project.lost_reason = reason.strip()
    project.closed_at = ctx.now()
    ctx.session.flush()
    return project


def update(
    ctx: Context,
    ref: str | int,
    *,
    expected_amount: str | None = None,
    expected_close: date | None = None,
    name: str | None = None,
) -> Project:
    project = get(ctx, ref)
    _may_change(ctx, project)
    if expected_amount is not None:
        project.expected_amount = parse_amount(expected_amount, "expected amount")
    if expected_close is not None:
        project.expected_close = expected_close
    if name is not None:
        project.name = name
    ctx.session.flush()
    return project


def customer_name(ctx: Context, project: Project) -> str | None:
    """The project's customer's name, for whoever may see the project (a member too)."""
    names = table_of(Customer)
    name: str | None = ctx.session.scalar(
        select(names.c.name).where(names.c.id == project.customer_id)
    )
    return name


def list_page(
    ctx: Context,
    *,
    customer_ref: str | None = None,
    stage: str | None = None,
    open_only: bool = False,
    after_id: int = 0,
    limit: int = 50,
) -> list[dict[str, Any]]:
    # The customer's name from its table: a member sees a project of a customer they may not
    # see otherwise, and needs its name (the project rows themselves are under the policy).
    names = table_of(Customer)
    query = (
        select(Project, names.c.name, User.login)
        .join(names, names.c.id == Project.customer_id)
        .join(User, User.id == Project.owner_id)
        .where(Project.id > after_id)
        .order_by(Project.id)
        .limit(limit)
    )
    if customer_ref is not None:
        query = query.where(Project.customer_id == customers.get(ctx, customer_ref).id)
    if stage is not None:
        query = query.where(Project.stage_code == stage)
    if open_only:
        query = query.where(Project.closed_at.is_(None))
    return [
        {
            "id": p.id,
            "name": p.name,
            "customer": customer,
            "owner": login,
            "category": p.category,
            "stage": p.stage_code,
            "expected_amount": p.expected_amount,
            "expected_close": p.expected_close,
            "contract_amount": p.contract_amount,
        }
        for p, customer, login in ctx.session.execute(query)
    ]
