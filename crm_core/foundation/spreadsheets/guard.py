"""Checks a workbook passes before it is parsed, so a hostile file costs bounded time and memory.

Refused with a clear message: a password-protected (encrypted) workbook, a workbook with macros,
a zip bomb (more than MAX_UNPACKED bytes inside, or an absurd packing ratio), XML with a DTD
(entity expansion, external entities), zip entries packed in a way the reader cannot unpack
(deflate64, unknown methods, encrypted entries), and a sheet whose cells span more than MAX_CELLS
(the reader holds a sheet as a dense grid, about 32 bytes a cell, so a cell at A1 and one at
XFD1048576 would ask for 17 billion cells). Every XML part is checked as a sheet, wherever the
workbook says its sheets live.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from crm_core.foundation.errors import ValidationError

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_UNPACKED = 2 << 30
MAX_RATIO = 500
#: About 480 MB as the reader's grid: an .xlsx of a million rows of 15 columns still fits.
MAX_CELLS = 15_000_000
#: The packing methods the readers unpack.
METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
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
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        raise ValidationError(f"{path.name} is damaged: {str(exc)[:100]}") from None


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
        if entry.flag_bits & 0x1:
            raise ValidationError(f"{name} has encrypted parts: save it without a password first")
        if entry.compress_type not in METHODS:
            raise ValidationError(
                f"{name} is packed with a method the reader cannot unpack "
                f"({entry.compress_type}): save it again as a plain .xlsx"
            )
    for entry in entries:
        lower = entry.filename.lower()
        if lower.endswith(".rels"):
            with archive.open(entry) as stream:
                if _DTD.search(stream.read(CHUNK)):
                    raise ValidationError(f"{name} declares XML entities: refusing it")
        elif lower.endswith(".xml"):
            # Any part may be a sheet (a workbook names its sheets' paths itself).
            _check_sheet(name, archive, entry)


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
