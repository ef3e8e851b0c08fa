"""Writing a file whole or not at all: written beside the target, then renamed over it."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from crm_core.foundation import i18n
from crm_core.foundation.errors import ValidationError


def check_folder(path: Path) -> None:
    """A one-line error, before any work, when `path` cannot be written for want of its folder
    (missing, not a folder, or not writable)."""
    folder = path.parent
    if not folder.is_dir():
        raise ValidationError(
            i18n._("cannot write {path}: there is no folder {folder}", path=path, folder=folder)
        )
    if not os.access(folder, os.W_OK):
        raise ValidationError(
            i18n._(
                "cannot write {path}: the folder {folder} is read-only", path=path, folder=folder
            )
        )


def replace_file(path: Path, data: bytes | str | Iterable[str]) -> None:
    """Write `data` (text is UTF-8; text given in pieces is written piece by piece) to `path`;
    a failure leaves `path` as it was and no debris."""
    check_folder(path)
    partial = path.with_name(path.name + ".partial")
    try:
        if isinstance(data, str):
            partial.write_text(data, encoding="utf-8")
        elif isinstance(data, bytes):
            partial.write_bytes(data)
        else:
            with partial.open("w", encoding="utf-8") as handle:
                handle.writelines(data)
        partial.replace(path)
    except OSError as exc:
        # Name the file asked for, not the temporary one beside it ("no such folder" is about
        # the path the user typed).
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    finally:
        partial.unlink(missing_ok=True)
