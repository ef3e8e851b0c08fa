"""A lock per record, held across workers while a conditional write (If-Match) compares the
record's ETag and writes: two salespeople saving the same customer are served one after the
other, and the second finds the ETag changed. PostgreSQL: an advisory lock; SQLite: a byte of
a lock file beside the database (fcntl), with a thread lock inside the process."""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from crm_core.kernel.deployment import Deployment

_SLOTS = 4096
_threads = [threading.Lock() for _ in range(_SLOTS)]


def _number(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


@contextmanager
def record_lock(deployment: Deployment, key: str) -> Iterator[None]:
    number = _number(key)
    if deployment.engine.url.get_backend_name() == "postgresql":
        with deployment.engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:n)"), {"n": number})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:n)"), {"n": number})
                connection.commit()
        return
    slot = number % _SLOTS
    with _threads[slot]:
        path = (deployment.database_file or "crm-memory") + ".locks"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX, 1, slot)
            try:
                yield
            finally:
                fcntl.lockf(fd, fcntl.LOCK_UN, 1, slot)
        finally:
            os.close(fd)
