"""What an importable entity declares (`crm_register_importers`), and the row the pipeline
hands it."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from crm_core.foundation import i18n
from crm_core.hooks.registry import Collection

if TYPE_CHECKING:
    from crm_core.hooks.context import Context

ON_DUPLICATE = ("error", "skip", "update")


@attrs.frozen
class Column:
    """A spreadsheet column: field name, header aliases (e.g. Chinese), how to parse a cell."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    parse: Callable[[str], Any] = str
    #: The export header; None: the name, translated.
    title: str | None = None

    def headers(self) -> set[str]:
        return {
            header_key(h) for h in (*i18n.every_translation(self.name), self.name, *self.aliases)
        }


def header_key(text: str) -> str:
    """Headers compare case-, width- and space-insensitively ("客户 名称", "Name ", "ＮＡＭＥ")."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if not ch.isspace() and ch not in "*:：")


@attrs.frozen
class Existing:
    """A record already in the database that a row duplicates (found with system rights)."""

    id: int
    label: str
    #: Whether the importing user may see (and so update) it; else only its holder is named.
    visible: bool
    holder: str = ""
    #: Set by the pipeline when this record was inserted by an earlier row of the same file.
    from_this_file: bool = False


@attrs.define
class ImportRow:
    """One data row: its sheet row number, original cells, parsed values and fate."""

    number: int
    cells: list[str]
    values: dict[str, Any]
    problem: str | None = None
    existing: Existing | None = None

    def reject(self, reason: str) -> None:
        if self.problem is None:
            self.problem = reason

    @property
    def ok(self) -> bool:
        return self.problem is None


@attrs.frozen
class Importer:
    """An importable (and usually exportable) entity.

    The pipeline calls, per batch of rows that parsed cleanly:

    - `check(ctx, rows)`: validate against the database; `row.reject(reason)` what is wrong.
    - `match(ctx, rows)`: set `row.existing` for rows that duplicate a stored record (look with
      system rights: Core table queries are not filtered by visibility).
    - `keys(values)`: normalised keys (after `check`, so it may reuse what `check` computed);
      two rows of one batch sharing a key are duplicates.
    - `insert(ctx, rows)`: write the new rows in bulk and return their ids (fire hooks once).
    - `update(ctx, rows)`: apply rows to `row.existing.id` records (with --on-duplicate update).

    `export(ctx, filters)` yields dicts by column name of the rows the user may see, in keyset
    pages, narrowed by `filters` (field -> value) for the fields in `export_filters`;
    `export_count` counts them (optional).
    """

    entity: str
    title: str
    columns: tuple[Column, ...]
    insert: Callable[[Context, list[ImportRow]], Sequence[int]]
    check: Callable[[Context, list[ImportRow]], None] | None = None
    match: Callable[[Context, list[ImportRow]], None] | None = None
    keys: Callable[[Mapping[str, Any]], Sequence[Hashable]] | None = None
    update: Callable[[Context, list[ImportRow]], int] | None = None
    export: Callable[[Context, Mapping[str, str]], Iterator[Mapping[str, Any]]] | None = None
    #: `export_count(ctx, filters, cap)`: how many rows `export` yields for `filters`, reading
    #: at most `cap` + 1 (`cap` + 1 means "more than `cap`"). With it, an export refuses at once
    #: what an .xlsx sheet cannot hold, instead of when the writer reaches the sheet's last row.
    export_count: Callable[[Context, Mapping[str, str], int], int] | None = None
    #: Fields `crm export --where FIELD=VALUE` may filter on (the exporter applies them in SQL);
    #: any other column is filtered on the exported value.
    export_filters: tuple[str, ...] = ()


IMPORTERS: Collection[Importer] = Collection(
    "crm_register_importers", "importer", lambda i: i.entity
)
