"""Reading and writing spreadsheets: .xlsx (python-calamine to read, openpyxl to write) and .csv.

CSV is read as UTF-8 (with or without BOM) and falls back to GB18030, the encoding Chinese
Excel writes by default; it is written as UTF-8 with a BOM so Excel shows Chinese correctly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from crm_core.errors import ValidationError

SUPPORTED = (".xlsx", ".csv")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # phone numbers and codes typed as numbers
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def read_rows(path: Path) -> tuple[list[str], Iterator[list[str]]]:
    """The header row and an iterator over the data rows, every cell as stripped text."""
    if not path.exists():
        raise ValidationError(f"no file {path}")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        rows = _read_xlsx(path)
    elif suffix == ".csv":
        rows = _read_csv(path)
    else:
        raise ValidationError(f"cannot read {path.name}: use {' or '.join(SUPPORTED)}")
    try:
        header = next(rows)
    except StopIteration:
        raise ValidationError(f"{path.name} is empty") from None
    return header, rows


def _read_xlsx(path: Path) -> Iterator[list[str]]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except Exception as exc:
        raise ValidationError(f"cannot read {path.name}: {exc}") from None
    for row in sheet.iter_rows():
        cells = [_cell_text(v) for v in row]
        if any(cells):
            yield cells


def _read_csv(path: Path) -> Iterator[list[str]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise ValidationError(f"cannot decode {path.name}")
    for row in csv.reader(io.StringIO(text)):
        cells = [c.strip() for c in row]
        if any(cells):
            yield cells


def write_rows(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write a header and rows (streamed); returns the number of data rows."""
    suffix = path.suffix.lower()
    count = 0
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for row in rows:
                writer.writerow(["" if v is None else v for v in row])
                count += 1
        return count
    if suffix == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(list(header))
        for row in rows:
            sheet.append([_excel_value(v) for v in row])
            count += 1
        workbook.save(str(path))
        return count
    raise ValidationError(f"cannot write {path.name}: use {' or '.join(SUPPORTED)}")


def _excel_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no zones; callers pass local times
    return value
