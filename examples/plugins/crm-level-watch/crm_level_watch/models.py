"""The plugin's one table: a field on customers, "notify", kept beside the core's table."""

from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.contract.tables import Base, CustomerScoped, plugin_table


class Watch(CustomerScoped, Base):
    """Who to tell when this customer's level changes. CustomerScoped: the core's visibility
    policy shows a row exactly to those who may see its customer, with no code here."""

    __tablename__ = "lw_watch"
    __table_args__ = plugin_table("level_watch", UniqueConstraint("customer_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    notify: Mapped[str] = mapped_column(String(200))
