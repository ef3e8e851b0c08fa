"""Project members, tasks with due dates (feeding `crm reminders`), and a notes feed.

A member sees the project and its parts (a grant on it: crm_core.hooks.scoping.GrantScoped),
not the rest of its customer's business; the owner, their managers and admins add and remove
members, and giving someone a task makes them a member.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select

from crm_core.contract import Context, NotFound, PermissionDenied, ValidationError
from crm_core.contract.access import close_to, manages, open_to, user_by_login, user_sees_customer
from crm_core.contract.models import User
from crm_core.contract.tables import table_of
from crm_project_sales.models import Member, Project, ProjectNote, Task

_members = table_of(Member)


def _may_staff(ctx: Context, project: Project) -> None:
    owner = ctx.session.get(User, project.owner_id)
    if owner is None or not manages(ctx, owner):
        raise PermissionDenied(f"{ctx.actor.login} may not staff project {project.id}")


def _sees(ctx: Context, user: User, project: Project) -> bool:
    if user_sees_customer(ctx.session, user.id, user.role, project.customer_id):
        return True
    return (
        ctx.session.scalar(
            select(_members.c.id).where(
                _members.c.project_id == project.id, _members.c.user_id == user.id
            )
        )
        is not None
    )


def add_member(ctx: Context, project: Project, login: str, role: str = "member") -> Member:
    """Bring a colleague onto the project: they see it, its deliverables, quotes, tasks and
    notes, and the customer's name, from then on."""
    _may_staff(ctx, project)
    user = user_by_login(ctx, login)
    if not user.active:
        raise ValidationError(f"user {login} is deactivated")
    if ctx.session.scalar(
        select(Member.id).where(Member.project_id == project.id, Member.user_id == user.id)
    ):
        raise ValidationError(f"{login} is already a member")
    member = Member(
        customer_id=project.customer_id, project_id=project.id, user_id=user.id, role=role
    )
    ctx.session.add(member)
    ctx.session.flush()
    open_to(ctx, user.id, "ps_project", project.id)
    return member


def remove_member(ctx: Context, project: Project, login: str) -> None:
    """Take a colleague off the project; what they saw through it is closed to them again."""
    _may_staff(ctx, project)
    user = user_by_login(ctx, login)
    done = ctx.session.execute(
        delete(_members).where(_members.c.project_id == project.id, _members.c.user_id == user.id)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"{login} is not a member of project {project.id}")
    close_to(ctx, user.id, "ps_project", project.id)


def members(ctx: Context, project: Project) -> list[dict[str, object]]:
    rows = ctx.session.execute(
        select(Member.role, User.login, User.name)
        .join(User, User.id == Member.user_id)
        .where(Member.project_id == project.id)
        .order_by(Member.id)
    )
    return [{"login": login, "name": name, "role": role} for role, login, name in rows]


def add_task(ctx: Context, project: Project, title: str, assignee_login: str, due_on: date) -> Task:
    if not title.strip():
        raise ValidationError("a task needs a title")
    user = user_by_login(ctx, assignee_login)
    if not _sees(ctx, user, project):
        add_member(ctx, project, user.login)
    task = Task(
        customer_id=project.customer_id,
        project_id=project.id,
        title=title.strip(),
        assignee_id=user.id,
        due_on=due_on,
    )
    ctx.session.add(task)
    ctx.session.flush()
    return task


def finish_task(ctx: Context, task_id: int) -> Task:
    task = ctx.session.get(Task, task_id)
    if task is None:
        raise NotFound(f"no task {task_id}")
    if task.done_at is not None:
        raise ValidationError(f"task {task_id} is already done")
    if ctx.actor.role == "sales" and task.assignee_id != ctx.actor.id:
        raise PermissionDenied(f"task {task_id} is someone else's")
    task.done_at = ctx.now()
    ctx.session.flush()
    return task


def tasks(
    ctx: Context, *, project: Project | None = None, mine: bool = False, open_only: bool = True
) -> list[dict[str, object]]:
    query = (
        select(Task, User.login)
        .join(User, User.id == Task.assignee_id)
        .order_by(Task.due_on, Task.id)
    )
    if project is not None:
        query = query.where(Task.project_id == project.id)
    if mine:
        query = query.where(Task.assignee_id == ctx.actor.id)
    if open_only:
        query = query.where(Task.done_at.is_(None))
    return [
        {
            "id": t.id,
            "project": t.project_id,
            "title": t.title,
            "assignee": login,
            "due_on": t.due_on,
            "done": t.done_at is not None,
        }
        for t, login in ctx.session.execute(query)
    ]


def add_note(ctx: Context, project: Project, body: str) -> ProjectNote:
    if not body.strip():
        raise ValidationError("a note needs text")
    note = ProjectNote(
        customer_id=project.customer_id,
        project_id=project.id,
        author_id=ctx.actor.id,
        body=body.strip(),
        created_at=ctx.now(),
    )
    ctx.session.add(note)
    ctx.session.flush()
    return note


def feed(ctx: Context, project: Project, limit: int = 50) -> list[dict[str, object]]:
    rows = ctx.session.execute(
        select(ProjectNote, User.login)
        .outerjoin(User, User.id == ProjectNote.author_id)
        .where(ProjectNote.project_id == project.id)
        .order_by(ProjectNote.created_at.desc(), ProjectNote.id.desc())
        .limit(limit)
    )
    return [
        {"at": ctx.local(n.created_at).strftime("%Y-%m-%d %H:%M"), "author": login, "note": n.body}
        for n, login in rows
    ]
