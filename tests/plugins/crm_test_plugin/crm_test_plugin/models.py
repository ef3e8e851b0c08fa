"""The test plugin's table, notes on customers, and a rollup of them."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.foundation.schema import Base
from crm_core.hooks.plugin_spec import plugin_table
from crm_core.hooks.rollups import Rollup, RollupBase
from crm_core.kernel.models import CustomerScoped, OwnerScoped


class Note(CustomerScoped, Base):
    __tablename__ = "tp_note"
    __table_args__ = plugin_table("test_plugin")

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(500))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id"))


class NotesByOwner(OwnerScoped, RollupBase):
    """A rollup of the notes: how many, on how many customers, per customer owner."""

    __tablename__ = "rollup_tp_notes_by_owner"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[int] = mapped_column(Integer)
    customers: Mapped[int] = mapped_column(Integer)


NOTES_BY_OWNER = Rollup(
    NotesByOwner,
    source="tp_note",
    keys={"owner_id": lambda q: f"{q.c}.owner_id"},
    measures={"notes": lambda q: "1"},
    source_columns=("customer_id",),
    distinct_customers="customers",
)
