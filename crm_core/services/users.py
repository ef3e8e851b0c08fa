"""Users: add, change, list, and grant the extra permissions plugins declare."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from crm_core.foundation.errors import DuplicateError, ValidationError
from crm_core.hooks.context import Context
from crm_core.hooks.permissions import PERMISSIONS
from crm_core.kernel.models import ROLES, Team, User, UserPermission
from crm_core.services import credentials
from crm_core.services.common import require_role, team_by_name, user_by_login


def add(
    ctx: Context,
    login: str,
    name: str,
    role: str = "sales",
    team_name: str | None = None,
    email: str | None = None,
) -> User:
    require_role(ctx, {"admin"}, "add users")
    login = login.strip()
    if not login or any(ch.isspace() for ch in login):
        raise ValidationError("a login must be one word")
    if role not in ROLES:
        raise ValidationError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if ctx.session.scalar(select(User.id).where(User.login == login)) is not None:
        raise DuplicateError(f"user {login!r} already exists")
    team = team_by_name(ctx, team_name) if team_name else None
    if role == "manager" and team is None:
        raise ValidationError("a manager needs a team (--team): they see that team's subtree")
    user = User(
        login=login,
        name=name.strip() or login,
        role=role,
        team_id=team.id if team else None,
        email=email,
    )
    ctx.session.add(user)
    ctx.session.flush()
    return user


def change(
    ctx: Context,
    login: str,
    *,
    role: str | None = None,
    team_name: str | None = None,
    active: bool | None = None,
    name: str | None = None,
) -> User:
    require_role(ctx, {"admin"}, "change users")
    # The active admins, locked: two admins demoting each other at once must not both succeed.
    active_admins = select(User.id).where(User.role == "admin", User.active.is_(True))
    ctx.session.scalars(active_admins.with_for_update()).all()
    user = user_by_login(ctx, login)
    before = (user.role, user.team_id, user.active)
    if role is not None:
        if role not in ROLES:
            raise ValidationError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        user.role = role
    if team_name is not None:
        user.team_id = team_by_name(ctx, team_name).id
    if active is not None:
        user.active = active
    if name is not None:
        user.name = name
    if user.role == "manager" and user.team_id is None:
        raise ValidationError("a manager needs a team (--team)")
    ctx.session.flush()
    if (user.role, user.team_id, user.active) != before:
        # What they may see or do changed: their sessions and API tokens end now.
        credentials.end_all(ctx, user.id)
    if ctx.session.scalars(active_admins).first() is None:
        raise ValidationError(
            f"{login} is the last active admin: make another user admin first, or nobody can "
            "administer the deployment"
        )
    return user


def list_all(
    ctx: Context, login: str | None = None
) -> Sequence[tuple[User, str | None, list[str]]]:
    """Every user (or the one `login`) by login, with their team's name and permissions."""
    query = select(User, Team.name).outerjoin(Team, Team.id == User.team_id).order_by(User.login)
    granted = select(UserPermission.user_id, UserPermission.permission)
    if login is not None:
        query = query.where(User.login == login)
        granted = granted.join(User, User.id == UserPermission.user_id).where(User.login == login)
    rows = ctx.session.execute(query).all()
    perms: dict[int, list[str]] = {}
    for user_id, permission in ctx.session.execute(granted.order_by(UserPermission.permission)):
        perms.setdefault(user_id, []).append(permission)
    return [(user, team, perms.get(user.id, [])) for user, team in rows]


def grant(ctx: Context, login: str, permission: str) -> None:
    require_role(ctx, {"admin"}, "grant permissions")
    known = ctx.registry(PERMISSIONS)
    if permission not in known:
        names = ", ".join(sorted(known)) or "none are registered"
        raise ValidationError(f"unknown permission {permission!r} (known: {names})")
    user = user_by_login(ctx, login)
    if ctx.session.get(UserPermission, {"user_id": user.id, "permission": permission}) is None:
        ctx.session.add(UserPermission(user_id=user.id, permission=permission))
        ctx.session.flush()


def revoke(ctx: Context, login: str, permission: str) -> None:
    require_role(ctx, {"admin"}, "revoke permissions")
    user = user_by_login(ctx, login)
    granted = ctx.session.get(UserPermission, {"user_id": user.id, "permission": permission})
    if granted is None:
        raise ValidationError(f"{login} does not hold {permission!r}")
    ctx.session.delete(granted)
    ctx.session.flush()
