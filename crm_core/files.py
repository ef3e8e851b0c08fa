"""Writing a file whole or not at all: written beside the target, then renamed over it."""

from __future__ import annotations

from pathlib import Path


def replace_file(path: Path, data: bytes | str) -> None:
    """Write `data` (text is UTF-8) to `path`; a failure leaves `path` as it was and no debris."""
    partial = path.with_name(path.name + ".partial")
    try:
        if isinstance(data, str):
            partial.write_text(data, encoding="utf-8")
        else:
            partial.write_bytes(data)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
