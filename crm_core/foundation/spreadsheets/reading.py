"""Reading a sheet: find the header row, then stream the data rows with their sheet row numbers.

CSV is streamed (never read whole); its encoding is taken from a byte-order mark, else UTF-8 if
the first megabyte decodes as UTF-8, else GB18030 (what Chinese Excel writes; a superset of GBK
and GB2312). The delimiter is whichever of , ; tab | the header line uses most. Workbooks are read
with python-calamine after the checks in `crm_core.foundation.spreadsheets.guard`.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs

from crm_core.foundation.errors import ValidationError
from crm_core.foundation.spreadsheets import guard
from crm_core.foundation.spreadsheets.cells import cell_text, text_cells
from crm_core.foundation.spreadsheets.headers import find_header

WORKBOOKS = (".xlsx", ".xls", ".ods")
READABLE = (*WORKBOOKS, ".csv", ".txt", ".tsv")
SAMPLE_BYTES = 1 << 20
DELIMITERS = (",", "\t", ";", "|")
#: Rows read ahead to find the header (title rows and two-level headers sit above the data).
HEADER_SEARCH_ROWS = 10

Row = tuple[int, list[str]]


@attrs.define
class Table:
    """A sheet being read: its header and an iterator over (row number, cells) of data rows."""

    path: Path
    format: str
    header: list[str]
    header_rows: tuple[int, ...]
    rows: Iterator[Row]
    encoding: str | None = None
    delimiter: str | None = None
    #: Data rows in the sheet when known in advance (workbooks), for progress bars.
    total: int | None = None


def open_table(
    path: Path,
    *,
    known_header: Callable[[str], bool] = lambda _h: False,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> Table:
    """Open `path` and position it after its header row.

    `known_header(text)` says whether a cell text names a column the caller understands; the row
    (among the first few) with the most such cells is the header.
    """
    if not path.is_file():
        raise ValidationError(f"no file {path}")
    suffix = path.suffix.lower()
    if suffix in WORKBOOKS:
        return _open_workbook(path, suffix, known_header)
    if suffix in (".csv", ".txt", ".tsv"):
        return _open_csv(path, known_header, encoding, delimiter)
    raise ValidationError(f"cannot read {path.name}: use {', '.join(READABLE)}")


# -- workbooks ---------------------------------------------------------------------------------


def _open_workbook(path: Path, suffix: str, known_header: Callable[[str], bool]) -> Table:
    from python_calamine import CalamineWorkbook

    guard.check_workbook(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except Exception as exc:
        raise ValidationError(f"cannot read {path.name}: {_reason(exc)}") from None
    start = sheet.start
    if start is None:
        raise ValidationError(f"{path.name} is empty")
    first_row, first_col = start
    merged = sheet.merged_cell_ranges or []
    raw = sheet.iter_rows()

    def numbered() -> Iterator[Row]:
        for offset, values in enumerate(raw):
            yield first_row + offset + 1, [cell_text(v) for v in values]

    rows = numbered()
    header, header_rows, rest = find_header(
        rows, known_header, HEADER_SEARCH_ROWS, _merged_fill(merged, first_row, first_col)
    )
    total = max(0, first_row + sheet.height - max(header_rows))
    return Table(path, suffix[1:], header, header_rows, _non_empty(rest), total=total)


def _merged_fill(
    merged: list[tuple[tuple[int, int], tuple[int, int]]], first_row: int, first_col: int
) -> Callable[[int, list[str]], list[str]]:
    """A function giving each cell of a merged range the value of its top-left cell."""
    spans = [((r0 + 1, c0 - first_col), (r1 + 1, c1 - first_col)) for (r0, c0), (r1, c1) in merged]
    anchors: dict[tuple[int, int], str] = {}

    def fill(number: int, cells: list[str]) -> list[str]:
        cells = list(cells)
        for (r0, c0), (r1, c1) in spans:
            if not r0 <= number <= r1:
                continue
            if number == r0 and 0 <= c0 < len(cells):
                anchors[(r0, c0)] = cells[c0]
            value = anchors.get((r0, c0), "")
            for col in range(max(c0, 0), c1 + 1):
                while len(cells) <= col:
                    cells.append("")
                if not cells[col]:
                    cells[col] = value
        return cells

    return fill


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# -- csv ---------------------------------------------------------------------------------------


def detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def detect_delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


#: The longest line of a CSV file read, in characters: a file without line breaks is refused
#: before it fills memory.
LONGEST_LINE = 1_000_000


def _bounded_lines(handle: Any, name: str) -> Iterator[str]:
    """The file's lines, each read with a bound on its length."""
    number = 0
    while True:
        line = handle.readline(LONGEST_LINE + 1)
        if not line:
            return
        number += 1
        if len(line) > LONGEST_LINE:
            raise ValidationError(
                f"{name}, line {number}: longer than {LONGEST_LINE:,} characters; is it a CSV file?"
            )
        yield line


def _open_csv(
    path: Path,
    known_header: Callable[[str], bool],
    encoding: str | None,
    delimiter: str | None,
) -> Table:
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if not sample.strip():
        raise ValidationError(f"{path.name} is empty")
    if encoding is None:
        encoding = detect_encoding(sample)
    else:
        try:
            found = codecs.lookup(encoding)
        except LookupError:
            raise ValidationError(f"unknown encoding {encoding[:40]!r}") from None
        if not getattr(found, "_is_text_encoding", True):
            raise ValidationError(f"{encoding[:40]!r} is not a text encoding (try gb18030)")
    if delimiter is not None and (len(delimiter) != 1 or delimiter in '\r\n"\x00'):
        raise ValidationError(f"the delimiter must be one character, not {delimiter[:10]!r}")
    handle_text = path.open(encoding=encoding, newline="", errors="strict")
    if delimiter is None:
        try:
            first_line = handle_text.readline(LONGEST_LINE)
        except UnicodeDecodeError:
            handle_text.close()
            raise ValidationError(
                f"{path.name} is not {encoding}; pass --encoding (e.g. gb18030)"
            ) from None
        delimiter = detect_delimiter(first_line)
        handle_text.seek(0)
    reader = csv.reader(_bounded_lines(handle_text, path.name), delimiter=delimiter)

    def numbered() -> Iterator[Row]:
        try:
            for number, cells in enumerate(reader, start=1):
                yield number, text_cells(cells)
        except UnicodeDecodeError as exc:
            raise ValidationError(
                f"{path.name} is not {encoding} (byte {exc.start} of a line near row "
                f"{reader.line_num}); pass --encoding"
            ) from None
        except csv.Error as exc:
            raise ValidationError(f"{path.name}, row {reader.line_num}: {exc}") from None
        finally:
            handle_text.close()

    header, header_rows, rest = find_header(numbered(), known_header, HEADER_SEARCH_ROWS, None)
    return Table(
        path, "csv", header, header_rows, _non_empty(rest), encoding=encoding, delimiter=delimiter
    )


def _non_empty(rows: Iterator[Row]) -> Iterator[Row]:
    for number, cells in rows:
        if any(cells):
            yield number, cells


def read_all(path: Path, **options: Any) -> tuple[list[str], list[Row]]:
    """The header and every data row (for small files and tests)."""
    table = open_table(path, **options)
    return table.header, list(table.rows)
