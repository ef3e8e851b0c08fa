"""This block's settings."""

from __future__ import annotations

from pathlib import Path

from crm_core.contract import Context
from crm_core.contract.records import SettingSpec, parse_text

FILE_STORE = "project_sales.file_store"

SPECS = (
    SettingSpec(
        FILE_STORE,
        "",
        "folder for deliverable files (default: beside a SQLite database, else ./crm-files)",
        parse_text,
    ),
)


def file_store(ctx: Context) -> Path:
    configured = str(ctx.settings.get(FILE_STORE) or "")
    if configured:
        return Path(configured).expanduser()
    db_file = ctx.database_file
    return Path(f"{db_file}.files") if db_file else Path("crm-files")
