"""Spreadsheets in and out: .xlsx/.xls/.ods (read with python-calamine, written with openpyxl)
and .csv in the encodings Chinese Windows produces.

    table = open_table(path, known_header=...)   # header row found, rows streamed with their numbers
    write_rows(path, header, rows)               # user data never becomes a formula
"""

from crm_core.foundation.spreadsheets.cells import neutralise, restore
from crm_core.foundation.spreadsheets.reading import READABLE, Table, open_table
from crm_core.foundation.spreadsheets.writing import WRITABLE, RowWriter, write_rows

__all__ = [
    "READABLE",
    "WRITABLE",
    "RowWriter",
    "Table",
    "neutralise",
    "open_table",
    "restore",
    "write_rows",
]
