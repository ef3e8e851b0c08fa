"""Files a request made that its JSON answer points to (an import's error file): kept for their
user for a day under a random name, fetched from /api/v1/downloads/{token}."""

from __future__ import annotations

import hashlib
import secrets
import shutil
import tempfile
import time
from pathlib import Path

KEPT_SECONDS = 24 * 3600


def folder_for(database: str) -> Path:
    tag = hashlib.sha256(database.encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"crm-downloads-{tag}"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def keep(folder: Path, user_id: int, source: Path) -> str:
    """Keep `source` for `user_id`; the token that fetches it."""
    token = secrets.token_urlsafe(24)
    target = folder / f"{user_id}-{token}"
    target.mkdir(mode=0o700)
    shutil.copyfile(source, target / source.name)
    _sweep(folder)
    return token


def find(folder: Path, user_id: int, token: str) -> Path | None:
    if not token.replace("-", "").replace("_", "").isalnum():
        return None
    target = folder / f"{user_id}-{token}"
    if not target.is_dir() or time.time() - target.stat().st_mtime > KEPT_SECONDS:
        return None
    files = list(target.iterdir())
    return files[0] if files else None


def _sweep(folder: Path) -> None:
    cutoff = time.time() - KEPT_SECONDS
    for item in folder.iterdir():
        try:
            if item.stat().st_mtime < cutoff:
                shutil.rmtree(item, ignore_errors=True)
        except OSError:
            continue
