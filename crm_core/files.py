"""Writing a file whole or not at all: written beside the target, then renamed over it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def replace_file(path: Path, data: bytes | str | Iterable[str]) -> None:
    """Write `data` (text is UTF-8; text given in pieces is written piece by piece) to `path`;
    a failure leaves `path` as it was and no debris."""
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
    finally:
        partial.unlink(missing_ok=True)
