"""Idempotency-Key: a create retried by a phone on a bad network is answered, not repeated.

The first request with a key claims it (a row with status 0) before it runs, so a retry that
arrives while it runs is told to wait (409) instead of running twice; when it ends, its answer
is stored and every later retry with the same key and the same request gets that answer. The
same key with another request is refused (422). Keys are the user's own and kept a day.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import attrs
from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from crm_core.foundation.schema import table_of
from crm_core.foundation.types import utcnow
from crm_core.kernel.db import WRITE_LOCK
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import IdempotentRequest

KEPT = timedelta(days=1)
#: A claim older than this whose request never finished (the worker died) may be taken over.
STALE_CLAIM = timedelta(minutes=5)
_table = table_of(IdempotentRequest)


@attrs.frozen
class Stored:
    status: int
    content_type: str
    body: bytes


class KeyInUse(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def request_hash(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def _writer(deployment: Deployment):  # type: ignore[no-untyped-def]
    return deployment.engine.connect().execution_options(**{WRITE_LOCK: True})


def claim(deployment: Deployment, user_id: int, key: str, digest: str) -> Stored | None:
    """The stored answer to replay, or None after claiming the key for this request.
    KeyInUse when it is running or was used for another request."""
    now = utcnow()
    with _writer(deployment) as connection, connection.begin():
        connection.execute(delete(_table).where(_table.c.created_at < now - KEPT))
        row = connection.execute(
            select(_table).where(and_(_table.c.user_id == user_id, _table.c.key == key))
        ).first()
        if row is not None:
            if row.request_hash != digest:
                raise KeyInUse("this Idempotency-Key was used for another request")
            if row.status:
                return Stored(row.status, row.content_type, row.body)
            if row.created_at > now - STALE_CLAIM:
                raise KeyInUse("a request with this Idempotency-Key is still running; retry")
            connection.execute(
                update(_table)
                .where(and_(_table.c.user_id == user_id, _table.c.key == key))
                .values(created_at=now)
            )
            return None
        try:
            connection.execute(
                insert(_table).values(
                    user_id=user_id,
                    key=key,
                    request_hash=digest,
                    status=0,
                    content_type="",
                    body=b"",
                    created_at=now,
                )
            )
        except IntegrityError:
            raise KeyInUse("a request with this Idempotency-Key is still running; retry") from None
    return None


def store(
    deployment: Deployment, user_id: int, key: str, status: int, content_type: str, body: bytes
) -> None:
    with _writer(deployment) as connection, connection.begin():
        connection.execute(
            update(_table)
            .where(and_(_table.c.user_id == user_id, _table.c.key == key))
            .values(status=status, content_type=content_type, body=body)
        )


def release(deployment: Deployment, user_id: int, key: str) -> None:
    """Forget a claim whose request failed on the server's side: a retry runs it afresh."""
    with _writer(deployment) as connection, connection.begin():
        connection.execute(
            delete(_table).where(and_(_table.c.user_id == user_id, _table.c.key == key))
        )
