"""This block's settings."""

from __future__ import annotations

from pathlib import Path

from crm_core.contract import Context
from crm_core.contract.records import SettingSpec, parse_positive_int, parse_text

FILE_STORE = "project_sales.file_store"
SERVICE_PRODUCT = "project_sales.service_product"
ORDER_INSTALLMENTS = "project_sales.order_installments"
ORDER_EVERY_DAYS = "project_sales.order_every_days"

SPECS = (
    SettingSpec(
        FILE_STORE,
        "",
        "folder for deliverable files (default: beside a SQLite database, else ./crm-files)",
        parse_text,
    ),
    SettingSpec(
        SERVICE_PRODUCT,
        "PS-SERVICE",
        "product code of a won project's order line for what its quote lists without a product "
        "(installation, integration ...); made when first needed",
        parse_text,
    ),
    SettingSpec(
        ORDER_INSTALLMENTS,
        1,
        "installments of a won project's order (with customer_resources)",
        parse_positive_int,
    ),
    SettingSpec(
        ORDER_EVERY_DAYS,
        30,
        "days between a won project's order installments; the first is due this many days after",
        parse_positive_int,
    ),
)


def file_store(ctx: Context) -> Path:
    configured = str(ctx.settings.get(FILE_STORE) or "")
    if configured:
        return Path(configured).expanduser()
    db_file = ctx.database_file
    return Path(f"{db_file}.files") if db_file else Path("crm-files")
