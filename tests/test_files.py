"""Files are replaced whole or not at all (`crm_core.foundation.files.replace_file`)."""

from __future__ import annotations

import gc
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_core.foundation.errors import ValidationError
from crm_core.foundation.files import check_folder, replace_file
from crm_core.foundation.spreadsheets.writing import RowWriter


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


def test_a_missing_folder_is_one_line_naming_the_file_asked_for(tmp_path: Path) -> None:
    """Checked before any work (`check_folder`), and by `replace_file` itself: the message
    names the path the user typed, never the temporary file written beside it."""
    missing = tmp_path / "没有" / "报表.html"
    with pytest.raises(ValidationError) as refused:
        replace_file(missing, "<html>")
    assert str(refused.value) == f"cannot write {missing}: there is no folder {missing.parent}"
    a_file = tmp_path / "a-file"
    a_file.write_text("", encoding="utf-8")
    with pytest.raises(ValidationError, match="there is no folder"):
        check_folder(a_file / "x.csv")
    check_folder(tmp_path / "x.csv")  # a folder that exists: nothing to say
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_a_workbook_that_cannot_be_saved_fails_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The folder gone by the time the sheet is saved: the error reaches the caller, and the
    half-written sheet is cleaned up instead of complaining on stderr when collected."""
    unraisable: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    folder = tmp_path / "gone"
    folder.mkdir()
    with pytest.raises(OSError) as failed, RowWriter(folder / "x.xlsx", ["名称"]) as writer:
        writer.append(["客户"])
        shutil.rmtree(folder)
    del failed, writer  # whatever the sheet left behind is collected now, not later
    gc.collect()
    assert unraisable == []
