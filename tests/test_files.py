"""Files are replaced whole or not at all (`crm_core.files.replace_file`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_core.files import replace_file


def test_a_file_is_replaced_whole_or_left_as_it_was(tmp_path: Path) -> None:
    """Text, bytes and text in pieces replace the file; pieces that fail half-way leave the
    earlier file as it was and no partial file beside it."""
    path = tmp_path / "报表.json"
    replace_file(path, "旧的")
    assert path.read_text(encoding="utf-8") == "旧的"
    replace_file(path, b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"
    replace_file(path, iter(["[", "1,", "2", "]"]))
    assert path.read_text(encoding="utf-8") == "[1,2]"

    def failing() -> Iterator[str]:
        yield "[半"
        raise RuntimeError("the report failed half-way")

    with pytest.raises(RuntimeError):
        replace_file(path, failing())
    assert path.read_text(encoding="utf-8") == "[1,2]"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["报表.json"]
