"""Checks a workbook passes before it is parsed, so a hostile file costs bounded time and memory.

Refused with a clear message: a password-protected (encrypted) workbook, a workbook with macros,
a zip bomb (more than MAX_UNPACKED bytes inside, or an absurd packing ratio), XML with a DTD
(entity expansion, external entities), and a sheet whose cells span more than MAX_CELLS (the
reader holds a sheet as a dense grid, so a cell at A1 and one at XFD1048576 would ask for 17
billion cells).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from crm_core.foundation.errors import ValidationError

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_UNPACKED = 2 << 30
MAX_RATIO = 500
MAX_CELLS = 60_000_000
CHUNK = 1 << 20
_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_WIDE_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{2,3})\d+"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+:([A-Z]+)(\d+)"')
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def check_workbook(path: Path) -> None:
    with path.open("rb") as handle:
        head = handle.read(8)
    suffix = path.suffix.lower()
    if suffix == ".xls":
        return  # the binary format: calamine reports encryption (PasswordError) itself
    if head == OLE_SIGNATURE:
        raise ValidationError(
            f"{path.name} is encrypted (password protected): save it without a password first"
        )
    if not zipfile.is_zipfile(path):
        raise ValidationError(f"{path.name} is not a {suffix} workbook (not a zip archive)")
    try:
        with zipfile.ZipFile(path) as archive:
            _check_archive(path.name, archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise ValidationError(f"{path.name} is damaged: {exc}") from None


def _check_archive(name: str, archive: zipfile.ZipFile) -> None:
    entries = archive.infolist()
    if any(e.filename.lower().endswith("vbaproject.bin") for e in entries):
        raise ValidationError(f"{name} contains macros: save it as a plain .xlsx first")
    unpacked = sum(e.file_size for e in entries)
    packed = max(1, sum(e.compress_size for e in entries))
    if unpacked > MAX_UNPACKED or (unpacked > CHUNK * 64 and unpacked / packed > MAX_RATIO):
        raise ValidationError(
            f"{name} unpacks to {unpacked:,} bytes from {packed:,}: refusing a likely zip bomb"
        )
    for entry in entries:
        lower = entry.filename.lower()
        if not lower.endswith((".xml", ".rels")):
            continue
        if lower.startswith("xl/worksheets/") or lower == "content.xml":
            _check_sheet(name, archive, entry)
        else:
            with archive.open(entry) as stream:
                if _DTD.search(stream.read(CHUNK)):
                    raise ValidationError(f"{name} declares XML entities: refusing it")


def _check_sheet(name: str, archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> None:
    """Stream the sheet's XML (never more than MAX_UNPACKED) and bound its extent."""
    rows = tags = 0
    columns = 1
    seen = 0
    tail = b""
    with archive.open(entry) as stream:
        first = True
        while chunk := stream.read(CHUNK):
            seen += len(chunk)
            if seen > MAX_UNPACKED:
                raise ValidationError(
                    f"{name}: a sheet unpacks to more than {MAX_UNPACKED:,} bytes"
                )
            data = tail + chunk
            if first and _DTD.search(data[:4096]):
                raise ValidationError(f"{name} declares XML entities: refusing it")
            first = False
            # A tag cut by the chunk boundary is scanned whole with the next chunk.
            cut = data.rfind(b"<")
            cut = len(data) if cut < 0 else cut
            rows, tags, columns = _extent(data[:cut], rows, tags, columns)
            tail = data[cut:]
        rows, tags, columns = _extent(tail, rows, tags, columns)
    rows = max(rows, tags)
    if rows * columns > MAX_CELLS:
        raise ValidationError(
            f"{name}: a sheet spans {rows:,} rows x {columns:,} columns; "
            f"at most {MAX_CELLS:,} cells can be imported"
        )


def _extent(data: bytes, rows: int, tags: int, columns: int) -> tuple[int, int, int]:
    for match in _ROW_NUMBER.finditer(data):
        rows = max(rows, int(match.group(1)))
    tags += len(_ROW_TAG.findall(data))
    for match in _WIDE_CELL.finditer(data):
        columns = max(columns, column_number(match.group(1)))
    dimension = _DIMENSION.search(data)
    if dimension:
        columns = max(columns, column_number(dimension.group(1)))
        rows = max(rows, int(dimension.group(2)))
    return rows, tags, columns
