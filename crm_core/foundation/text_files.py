"""Reading a text file people wrote: UTF-8 (with or without a BOM) or, failing that, GB18030,
the encoding a Chinese Windows machine saves in. Anything else is refused in one line."""

from __future__ import annotations

from pathlib import Path

from crm_core.foundation import i18n
from crm_core.foundation.errors import ValidationError


def read_text_file(path: str | Path) -> str:
    """The file's text, from UTF-8 (a BOM is dropped) or GB18030; ValidationError otherwise."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValidationError(
            i18n._("Cannot read {file}: {reason}", file=path, reason=exc.strerror)
        ) from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(
        i18n._("{file} is not valid: {reason}", file=path.name, reason="UTF-8 / GB18030?")
    )
