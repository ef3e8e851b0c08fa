"""Service cases: a complaint or feedback is opened, assigned, resolved, then closed."""

from __future__ import annotations

from sqlalchemy import select

from crm_core.contract import Context, NotFound, PermissionDenied, ValidationError, customers
from crm_core.contract.access import user_by_login, user_sees_customer
from crm_core.contract.models import Customer, User
from crm_customer_resources.models import CASE_KINDS, ServiceCase

# Allowed moves between statuses.
MOVES = {
    "open": {"in_progress", "resolved"},
    "in_progress": {"resolved", "open"},
    "resolved": {"closed", "in_progress"},
    "closed": set(),
}


def open_case(
    ctx: Context,
    customer_ref: str,
    kind: str,
    title: str,
    description: str | None = None,
    assignee_login: str | None = None,
) -> ServiceCase:
    if kind not in CASE_KINDS:
        raise ValidationError(f"kind must be one of {', '.join(CASE_KINDS)}")
    if not title.strip():
        raise ValidationError("a case needs a title")
    customer = customers.get(ctx, customer_ref)
    assignee = user_by_login(ctx, assignee_login) if assignee_login else None
    if assignee is not None:
        _check_assignee(ctx, assignee, customer.id)
    case = ServiceCase(
        customer_id=customer.id,
        kind=kind,
        title=title.strip(),
        description=description,
        assignee_id=(assignee.id if assignee else customer.owner_id),
        opened_by_id=ctx.actor.id,
        opened_at=ctx.now(),
    )
    ctx.session.add(case)
    ctx.session.flush()
    return case


def _check_assignee(ctx: Context, user: User, customer_id: int) -> None:
    if not user_sees_customer(ctx.session, user.id, user.role, customer_id):
        raise ValidationError(
            f"{user.login} may not see this customer, so cannot be assigned its case"
        )


def get(ctx: Context, case_id: int) -> ServiceCase:
    case = ctx.session.get(ServiceCase, case_id)
    if case is None:
        raise NotFound(f"no case {case_id} (or you may not see it)")
    return case


def _may_work_on(ctx: Context, case: ServiceCase) -> None:
    if ctx.actor.role == "sales" and case.assignee_id not in (None, ctx.actor.id):
        raise PermissionDenied(f"case {case.id} is assigned to someone else")


def assign(ctx: Context, case_id: int, login: str) -> ServiceCase:
    case = get(ctx, case_id)
    if ctx.actor.role == "sales":
        raise PermissionDenied("only a manager may assign cases")
    assignee = user_by_login(ctx, login)
    _check_assignee(ctx, assignee, case.customer_id)
    case.assignee_id = assignee.id
    ctx.session.flush()
    return case


def move(ctx: Context, case_id: int, status: str, resolution: str | None = None) -> ServiceCase:
    case = get(ctx, case_id)
    _may_work_on(ctx, case)
    if status not in MOVES.get(case.status, set()):
        raise ValidationError(f"case {case_id} is {case.status}; it cannot become {status}")
    if status == "resolved":
        if not (resolution or case.resolution):
            raise ValidationError("say how it was resolved (--resolution)")
        case.resolution = resolution or case.resolution
        case.resolved_at = ctx.now()
    case.status = status
    ctx.session.flush()
    return case


def list_page(
    ctx: Context,
    *,
    status: str | None = None,
    mine: bool = False,
    after_id: int = 0,
    limit: int = 50,
) -> list[dict[str, object]]:
    query = (
        select(ServiceCase, Customer.name, User.login)
        .join(Customer, Customer.id == ServiceCase.customer_id)
        .outerjoin(User, User.id == ServiceCase.assignee_id)
        .where(ServiceCase.id > after_id)
        .order_by(ServiceCase.id)
        .limit(limit)
    )
    if status is not None:
        query = query.where(ServiceCase.status == status)
    if mine:
        query = query.where(ServiceCase.assignee_id == ctx.actor.id)
    return [
        {
            "id": c.id,
            "opened_at": ctx.local(c.opened_at).strftime("%Y-%m-%d"),
            "customer": name,
            "kind": c.kind,
            "title": c.title,
            "status": c.status,
            "assignee": login,
            "resolution": c.resolution,
        }
        for c, name, login in ctx.session.execute(query)
    ]
