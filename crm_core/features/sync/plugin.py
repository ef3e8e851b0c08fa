"""The sync feature: the permission to import ERP data, and the customers' export."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from crm_core import __version__
from crm_core.features.sync.exchange import changed_ids
from crm_core.hooks.context import Context
from crm_core.hooks.markers import hookimpl
from crm_core.hooks.plugin_spec import PluginSpec
from crm_core.hooks.sync import SyncKind
from crm_core.kernel.models import Customer, User
from crm_core.services import custom_fields

plugin = PluginSpec(
    name="sync",
    title="ERP exchange",
    title_zh="ERP 数据交换",
    version=__version__,
    description="Exports of what changed, imports of ERP items applied once.",
)


@hookimpl
def crm_register_permissions(register: Callable[[str, str], None]) -> None:
    register("erp-sync", "may import ERP data with `crm sync import`")


@hookimpl
def crm_register_sync_kinds(register: Callable[[SyncKind], None]) -> None:
    register(SyncKind("customers", "customers changed since the moment", export=_export_customers))


def _export_customers(ctx: Context, since: datetime) -> Iterator[Mapping[str, Any]]:
    ids = changed_ids(ctx, ["crm_customer"], since)
    for start in range(0, len(ids), 500):
        batch = ids[start : start + 500]
        rows: list[dict[str, Any]] = [
            {
                "id": c.id,
                "name": c.name,
                "kind": c.kind,
                "level": c.level,
                "industry": c.industry,
                "region": c.region,
                "phone": c.phone,
                "address": c.address,
                "owner": login,
                "updated_at": ctx.local(c.updated_at).isoformat(),
            }
            for c, login in ctx.session.execute(
                select(Customer, User.login)
                .outerjoin(User, User.id == Customer.owner_id)
                .where(Customer.id.in_(batch))
                .order_by(Customer.id)
            )
        ]
        custom_fields.decorate(ctx, "customers", rows)
        yield from rows
