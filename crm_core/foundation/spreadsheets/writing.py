"""Writing rows to .xlsx (openpyxl, write-only: streamed) or .csv (UTF-8 with BOM for Excel, or an
encoding of the caller's choice, e.g. the one an imported file came in).

No user value becomes a formula: in .xlsx every text is stored as a string cell (never parsed),
with Excel's "quote prefix" on text that looks like a formula so editing it keeps it text; in .csv
such text gets the apostrophe prefix (`cells.neutralise`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from crm_core.foundation import i18n
from crm_core.foundation.errors import ValidationError
from crm_core.foundation.files import check_folder
from crm_core.foundation.spreadsheets.cells import ILLEGAL, is_risky, neutralise

WRITABLE = (".xlsx", ".csv")
#: Written as delimited text (a .csv under another name).
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
#: Rows an .xlsx sheet holds, its header included: Excel refuses to open a file with more
#: (openpyxl writes them without a word).
XLSX_ROWS = 1_048_576


def check_writable(path: Path) -> str:
    """`path`'s suffix (lower case), or a one-line error naming it if no writer knows it."""
    suffix = path.suffix.lower()
    if suffix != ".xlsx" and suffix not in TEXT_SUFFIXES:
        raise ValidationError(f"cannot write {path.name}: use {' or '.join(WRITABLE)}")
    check_folder(path)
    return suffix


def too_many_for_xlsx() -> ValidationError:
    """The one-line refusal for more data rows than an .xlsx sheet holds."""
    most = f"{XLSX_ROWS - 1:,}"
    return ValidationError(
        i18n._("an .xlsx sheet holds at most {most} rows: write .csv", most=most)
    )


class RowWriter:
    """Append rows one at a time (streamed); use as a context manager."""

    def __init__(
        self,
        path: Path,
        header: Sequence[str],
        *,
        encoding: str = "utf-8-sig",
        delimiter: str = ",",
    ) -> None:
        self.path = path
        self.count = 0
        suffix = check_writable(path)
        self._csv: Any = None
        self._handle: IO[str] | None = None
        self._sheet: Any = None
        if suffix in TEXT_SUFFIXES:
            self._handle = path.open("w", encoding=encoding, newline="", errors="replace")
            self._csv = csv.writer(self._handle, delimiter=delimiter)
            self._csv.writerow([_csv_value(h) for h in header])
        elif suffix == ".xlsx":
            from openpyxl import Workbook

            self._workbook = Workbook(write_only=True)
            self._sheet = self._workbook.create_sheet()
            self._sheet.append([_xlsx_value(self._sheet, h) for h in header])

    def append(self, row: Sequence[Any]) -> None:
        if self._csv is not None:
            self._csv.writerow([_csv_value(v) for v in row])
        else:
            if self.count >= XLSX_ROWS - 1:
                raise too_many_for_xlsx()
            self._sheet.append([_xlsx_value(self._sheet, v) for v in row])
        self.count += 1

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
        elif self._sheet is not None:
            try:
                self._workbook.save(str(self.path))
            except BaseException:
                self._discard_sheet()  # else its half-written stream complains when collected
                raise
            self._sheet = None

    def _discard_sheet(self) -> None:
        """End the write-only sheet and delete the temporary file openpyxl streams it to."""
        sheet, self._sheet = self._sheet, None
        sheet.close()
        writer = getattr(sheet, "_writer", None)  # openpyxl keeps no public handle on it
        if writer is not None:
            writer.cleanup()

    def __enter__(self) -> RowWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None and self._sheet is not None:
            self._discard_sheet()  # a refused or failed workbook is not saved
        self.close()
        if exc_type is not None:
            self.path.unlink(missing_ok=True)


def write_rows(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]], **options: Any
) -> int:
    """Write a header and rows (streamed); returns the number of data rows."""
    with RowWriter(path, header, **options) as writer:
        for row in rows:
            writer.append(row)
    return writer.count


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")
    return value


def _xlsx_value(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no zones; callers pass local times
    if isinstance(value, Decimal):
        return float(value) if value == value.quantize(Decimal("0.01")) else str(value)
    if not isinstance(value, str):
        return value
    text = ILLEGAL.sub("", value)
    if not (is_risky(text) or text.startswith("#")):
        return text  # openpyxl stores it as a plain string cell
    cell = WriteOnlyCell(sheet)
    cell.value = text
    cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
    if is_risky(text):
        cell.quotePrefix = True
    return cell
