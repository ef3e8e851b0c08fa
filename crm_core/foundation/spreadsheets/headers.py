"""Finding the header in a hand-made sheet: title rows above it, merged cells, two-level headers.

Chinese sheets often start with a merged title row ("2026年客户名单"), and group columns under a
merged parent ("联系人" over "姓名" and "手机"). The header is the row, among the first few, with
the most cells the importer knows; a cell it does not know is tried again prefixed with its
parent's text ("联系人手机"), then as the parent alone.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

from crm_core.foundation.errors import ValidationError

Row = tuple[int, list[str]]


def find_header(
    rows: Iterator[Row],
    known: Callable[[str], bool],
    search: int,
    fill: Callable[[int, list[str]], list[str]] | None,
) -> tuple[list[str], tuple[int, ...], Iterator[Row]]:
    """(header cells, the sheet rows it came from, the remaining rows)."""
    head: list[Row] = []
    for number, cells in itertools.islice(rows, search):
        head.append((number, fill(number, cells) if fill else cells))
    non_empty = [(i, row) for i, row in enumerate(head) if any(row[1])]
    if not non_empty:
        raise ValidationError("the sheet has no header row")
    best_index, best_score = non_empty[0][0], -1
    best_header: list[str] = non_empty[0][1][1]
    best_rows: tuple[int, ...] = (non_empty[0][1][0],)
    for position, (index, (number, cells)) in enumerate(non_empty):
        parent = non_empty[position - 1][1] if position else None
        header, used_parent = _combine(cells, parent[1] if parent else None, known)
        score = sum(1 for cell in header if cell and known(cell))
        refines = (
            used_parent
            and parent is not None
            and position - 1 >= 0
            and (non_empty[position - 1][0] == best_index)
        )
        if score > best_score or (score == best_score and refines):
            best_index, best_score, best_header = index, score, header
            best_rows = (parent[0], number) if used_parent and parent else (number,)
    rest = itertools.chain(head[best_index + 1 :], rows)
    return [cell.strip() for cell in best_header], best_rows, rest


def _combine(
    cells: list[str], parent: list[str] | None, known: Callable[[str], bool]
) -> tuple[list[str], bool]:
    if parent is None:
        return cells, False
    header: list[str] = []
    used = False
    for col, cell in enumerate(cells):
        above = parent[col] if col < len(parent) else ""
        if cell and known(cell):
            header.append(cell)
        elif above and cell and known(above + cell):
            header.append(above + cell)
            used = True
        elif above and not cell and known(above):
            header.append(above)
            used = True
        else:
            header.append(cell)
    return header, used
