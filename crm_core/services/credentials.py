"""Passwords, sign-in sessions and API tokens: who may act through the server, and for how long.

Passwords are hashed with argon2id; session and API tokens are 32 random bytes of which only
the SHA-256 is stored, so a copy of the database opens no account. A session or token carries
the role and team its user had when it was issued: a change of either, or deactivation, ends it
(`end_all`, called by `users.change`), and the check on every request refuses it even before.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import attrs
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update

from crm_core.foundation import i18n
from crm_core.foundation.errors import NotFound, ValidationError
from crm_core.foundation.types import utcnow
from crm_core.hooks.actor import Actor
from crm_core.hooks.context import Context
from crm_core.kernel.models import (
    ApiToken,
    Credential,
    ServerKey,
    SignInSession,
    User,
    UserPermission,
)
from crm_core.services.common import require_role, user_by_login

#: argon2id with the library's defaults (RFC 9106's second recommended option, 64 MiB).
_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 10
#: Failures in a row that lock an account, and for how long.
LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=15)
#: A session ends after this long without a request, and at the latest this long after sign-in.
SESSION_IDLE = timedelta(hours=12)
SESSION_LIFETIME = timedelta(days=7)
#: A session's last request is written at most this often (not on every request).
SEEN_EVERY = timedelta(minutes=1)
SCOPES = ("read", "write")

#: Passwords people choose first; refused whatever their length.
_COMMON = frozenset(
    {
        "1234567890",
        "12345678910",
        "0123456789",
        "1111111111",
        "password",
        "password1",
        "password123",
        "qwertyuiop",
        "1q2w3e4r5t",
        "qwerty123456",
        "abc1234567",
        "a123456789",
        "woaini1314",
        "iloveyou123",
        "admin12345",
        "admin123456",
        "changeme123",
    }
)


def check_policy(password: str, login: str, name: str = "") -> None:
    """ValidationError unless `password` is long enough and not guessable from the account."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            i18n._(
                "A password needs at least {n} characters.",
                n=MIN_PASSWORD_LENGTH,
            )
        )
    lowered = password.lower()
    if (
        lowered in _COMMON
        or len(set(password)) < 4
        or lowered == login.lower()
        or (len(login) >= 4 and login.lower() in lowered)
        or (len(name) >= 4 and name.lower() in lowered)
    ):
        raise ValidationError(
            i18n._("That password is too easy to guess: not your login, name or a common one.")
        )


def set_password(ctx: Context, login: str, password: str, *, must_change: bool = True) -> User:
    """An administrator sets `login`'s password; the user must choose their own at sign-in
    unless `must_change` is False (a demo's fictional people). Their sessions end."""
    require_role(ctx, {"admin"}, "set passwords")
    user = user_by_login(ctx, login)
    check_policy(password, user.login, user.name)
    _store(ctx, user, password, must_change=must_change)
    end_all(ctx, user.id)
    return user


def change_own_password(ctx: Context, current: str, new: str) -> None:
    """The acting user replaces their password, proving the current one."""
    user = ctx.session.get(User, ctx.actor.id)
    found = ctx.session.get(Credential, ctx.actor.id)
    if user is None or found is None or not _verify(found.password_hash, current):
        raise ValidationError(i18n._("The current password is not right."))
    if new == current:
        raise ValidationError(i18n._("The new password must differ from the current one."))
    check_policy(new, user.login, user.name)
    _store(ctx, user, new, must_change=False)


def _store(ctx: Context, user: User, password: str, *, must_change: bool) -> None:
    found = ctx.session.get(Credential, user.id)
    if found is None:
        found = Credential(user_id=user.id)
        ctx.session.add(found)
    found.password_hash = _hasher.hash(password)
    found.must_change = must_change
    found.changed_at = utcnow()
    found.failures = 0
    found.locked_until = None
    ctx.session.flush()
    _audit(ctx, "password", user.id, "set by an administrator" if must_change else "changed")


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


#: Verified against when the login is unknown, so both answers take the same time.
_DUMMY = _hasher.hash(secrets.token_urlsafe(16))


@attrs.frozen
class Issued:
    """A sign-in's result: the session token for the cookie (shown nowhere else)."""

    token: str
    user_id: int
    login: str
    must_change: bool
    expires_at: datetime


@attrs.frozen
class Refused:
    """A sign-in that did not succeed. `reason` never says whether the login exists; `why`
    is for the audit log only."""

    reason: str
    why: str
    locked: bool = False


def sign_in(ctx: Context, login: str, password: str, client: str | None) -> Issued | Refused:
    """Open a session for `login`, or say why not (wrong password, locked, deactivated, no
    password). Either way the unit is to be committed: failures are counted and audited.
    `ctx` acts as the system."""
    now = utcnow()
    login = login.strip()
    user = ctx.session.scalar(select(User).where(User.login == login))
    found = ctx.session.get(Credential, user.id) if user is not None else None
    if user is None or found is None:
        _verify(_DUMMY, password)
        return _refused(ctx, None, login, "unknown login or no password")
    if found.locked_until is not None and found.locked_until > now:
        return _refused(ctx, user.id, login, "locked", locked=True)
    if not _verify(found.password_hash, password):
        found.failures += 1
        locked = found.failures >= LOCK_AFTER
        if locked:
            found.failures = 0
            found.locked_until = now + LOCK_FOR
        ctx.session.flush()
        return _refused(
            ctx,
            user.id,
            login,
            "locked after failures" if locked else "wrong password",
            locked=locked,
        )
    if not user.active:
        return _refused(ctx, user.id, login, "deactivated")
    if _hasher.check_needs_rehash(found.password_hash):
        found.password_hash = _hasher.hash(password)
    found.failures = 0
    found.locked_until = None
    token = secrets.token_urlsafe(32)
    ctx.session.add(
        SignInSession(
            token_hash=digest(token),
            user_id=user.id,
            role=user.role,
            team_id=user.team_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_LIFETIME,
            client=(client or "")[:64] or None,
        )
    )
    ctx.session.flush()
    _audit(ctx, "sign-in", user.id, None)
    return Issued(token, user.id, user.login, found.must_change, now + SESSION_LIFETIME)


def _refused(
    ctx: Context, user_id: int | None, login: str, why: str, *, locked: bool = False
) -> Refused:
    from crm_core.kernel import audit_trail

    audit_trail.record(
        ctx.session,
        [
            {
                "action": "sign-in-failed",
                "entity": "crm_user",
                "entity_id": str(user_id) if user_id is not None else "-",
                "new_value": why,
            }
        ],
    )
    reason = i18n._(
        "Sign-in refused for {login}: wrong login or password, or the account is locked for a while.",
        login=login[:64],
    )
    return Refused(reason, why, locked)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@attrs.frozen
class Bearer:
    """Who a session or token acts as, and what it may do."""

    actor: Actor
    kind: str  # "session" or "token"
    record_id: int
    scope: str  # "write" for sessions
    must_change: bool = False
    #: Its last use is older than SEEN_EVERY: `touch` it (in a write unit of its own).
    stale: bool = False


def _actor(ctx: Context, user: User) -> Actor:
    perms = ctx.session.scalars(
        select(UserPermission.permission).where(UserPermission.user_id == user.id)
    )
    return Actor(user.id, user.login, user.name, user.role, user.team_id, frozenset(perms))


def session_bearer(ctx: Context, token: str) -> Bearer | None:
    """The live session `token` opens, else None (unknown, revoked, expired, or its user
    changed role or team or was deactivated)."""
    now = utcnow()
    found = ctx.session.scalar(
        select(SignInSession).where(SignInSession.token_hash == digest(token))
    )
    if found is None or found.revoked_at is not None:
        return None
    if found.expires_at <= now or found.last_seen_at + SESSION_IDLE <= now:
        return None
    user = ctx.session.get(User, found.user_id)
    if user is None or not _still(user, found.role, found.team_id):
        return None
    credential = ctx.session.get(Credential, user.id)
    return Bearer(
        _actor(ctx, user),
        "session",
        found.id,
        "write",
        must_change=bool(credential and credential.must_change),
        stale=now - found.last_seen_at >= SEEN_EVERY,
    )


def _still(user: User, role: str, team_id: int | None) -> bool:
    return user.active and user.role == role and user.team_id == team_id


def sign_out(ctx: Context, token: str) -> bool:
    result = ctx.session.execute(
        update(SignInSession)
        .where(SignInSession.token_hash == digest(token), SignInSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .returning(SignInSession.user_id)
    ).first()
    if result is not None:
        _audit(ctx, "sign-out", result[0], None)
    return result is not None


def end_all(ctx: Context, user_id: int) -> int:
    """End every session and API token of a user (role, team or activity changed; password
    set by an administrator ends sessions only through `set_password`). How many ended."""
    now = utcnow()
    ended = 0
    for table in (SignInSession, ApiToken):
        result = ctx.session.execute(
            update(table)
            .where(table.user_id == user_id, table.revoked_at.is_(None))
            .values(revoked_at=now)
            .returning(table.id)
        )
        ended += len(result.all())
    return ended


# -- API tokens ---------------------------------------------------------------------------


@attrs.frozen
class TokenRecord:
    id: int
    login: str
    name: str
    prefix: str
    scope: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


@attrs.frozen
class NewToken:
    """A created token: `secret` is shown this once and stored only as its hash."""

    record: TokenRecord
    secret: str


TOKEN_PREFIX = "crm_"


def create_token(
    ctx: Context, login: str, name: str, scope: str, expires_at: datetime | None
) -> NewToken:
    """An API token that acts as `login` (admins, or a user for themselves)."""
    user = user_by_login(ctx, login)
    if user.id != ctx.actor.id:
        require_role(ctx, {"admin"}, "create tokens for other users")
    if scope not in SCOPES:
        raise ValidationError(i18n._("A token's scope is read or write, not {scope}.", scope=scope))
    if not user.active:
        raise ValidationError(f"user {login} is deactivated")
    if expires_at is not None and expires_at <= utcnow():
        raise ValidationError(i18n._("A token's expiry must be in the future."))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name.strip() or "token",
        prefix=secret[:12],
        token_hash=digest(secret),
        scope=scope,
        role=user.role,
        team_id=user.team_id,
        expires_at=expires_at,
    )
    ctx.session.add(token)
    ctx.session.flush()
    _audit(ctx, "token-created", user.id, f"{token.id} {token.name} {scope}")
    return NewToken(_token_record(token, user.login), secret)


def list_tokens(ctx: Context, login: str | None) -> list[TokenRecord]:
    """Tokens of `login` (None: everyone's, for admins; a user sees their own)."""
    query = select(ApiToken, User.login).join(User, User.id == ApiToken.user_id)
    if login is not None:
        user = user_by_login(ctx, login)
        if user.id != ctx.actor.id:
            require_role(ctx, {"admin"}, "list other users' tokens")
        query = query.where(ApiToken.user_id == user.id)
    elif not ctx.actor.is_admin:
        query = query.where(ApiToken.user_id == ctx.actor.id)
    rows = ctx.session.execute(query.order_by(ApiToken.id))
    return [_token_record(token, owner) for token, owner in rows]


def revoke_token(ctx: Context, token_id: int) -> TokenRecord:
    found = ctx.session.get(ApiToken, token_id)
    if found is None or (found.user_id != ctx.actor.id and not ctx.actor.is_admin):
        raise NotFound(i18n._("No token {id}.", id=token_id))
    if found.revoked_at is None:
        found.revoked_at = utcnow()
        ctx.session.flush()
        _audit(ctx, "token-revoked", found.user_id, f"{found.id} {found.name}")
    owner = ctx.session.get(User, found.user_id)
    return _token_record(found, owner.login if owner else "?")


def token_bearer(ctx: Context, secret: str) -> Bearer | None:
    """The live token `secret` is, else None."""
    now = utcnow()
    found = ctx.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if found is None or found.revoked_at is not None:
        return None
    if found.expires_at is not None and found.expires_at <= now:
        return None
    user = ctx.session.get(User, found.user_id)
    if user is None or not _still(user, found.role, found.team_id):
        return None
    stale = found.last_used_at is None or now - found.last_used_at >= SEEN_EVERY
    return Bearer(_actor(ctx, user), "token", found.id, found.scope, stale=stale)


def touch(ctx: Context, bearer: Bearer) -> None:
    """Record that a session or token was just used (idle expiry counts from here)."""
    now = utcnow()
    if bearer.kind == "session":
        ctx.session.execute(
            update(SignInSession)
            .where(SignInSession.id == bearer.record_id)
            .values(last_seen_at=now)
        )
    else:
        ctx.session.execute(
            update(ApiToken).where(ApiToken.id == bearer.record_id).values(last_used_at=now)
        )


def _token_record(token: ApiToken, login: str) -> TokenRecord:
    return TokenRecord(
        token.id,
        login,
        token.name,
        token.prefix,
        token.scope,
        token.created_at,
        token.expires_at,
        token.last_used_at,
        token.revoked_at,
    )


# -- the server's key --------------------------------------------------------------------


def server_key(ctx: Context) -> bytes | None:
    """The signing key shared by every worker; None until `make_server_key` made it."""
    found = ctx.session.get(ServerKey, "signing")
    return None if found is None else bytes.fromhex(found.value)


def make_server_key(ctx: Context) -> bytes:
    """Make the signing key (in a write unit, which holds the write lock on SQLite; a second
    worker racing on PostgreSQL fails its unit on the primary key and reads the first's)."""
    found = server_key(ctx)
    if found is not None:
        return found
    value = secrets.token_hex(32)
    ctx.session.add(ServerKey(name="signing", value=value))
    ctx.session.flush()
    return bytes.fromhex(value)


def sign(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def _audit(ctx: Context, action: str, user_id: int, note: str | None) -> None:
    from crm_core.kernel import audit_trail

    audit_trail.record(
        ctx.session,
        [{"action": action, "entity": "crm_user", "entity_id": str(user_id), "new_value": note}],
    )
