"""Customers' name and phone keys by their skeleton: invisible code points, look-alike letters,
common Chinese variants, digits of other scripts, the 086 prefix and extensions folded

Revision ID: 0008_customer_keys_by_skeleton
Revises: 0007_drop_redundant_owner_index
Create Date: 2026-12-07 10:45:00

Each key is computed again; only those that change are written. Two customers registered before
whose new keys coincide both stay: the later one's key gets `#` and its id, so neither is lost,
a new registration of that name or phone is refused, and `crm customers duplicates` lists them
for a person to merge.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_core.foundation.errors import ValidationError
from crm_core.foundation.normalize import name_key, phone_key

revision: str = "0008_customer_keys_by_skeleton"
down_revision: str | Sequence[str] | None = "0007_drop_redundant_owner_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 10_000
_customers = sa.table(
    "crm_customer",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("name_key", sa.String),
    sa.column("phone", sa.String),
    sa.column("phone_key", sa.String),
)


def _new_keys(name: str, phone: str | None, old_phone: str | None) -> tuple[str, str | None]:
    try:
        key = name_key(name)
    except ValidationError:
        key = None
    try:
        phone_found = phone_key(phone)
    except ValidationError:
        phone_found = old_phone
    return key or "", phone_found


def _taken(connection: sa.Connection, column: sa.ColumnElement[str], key: str, own: int) -> bool:
    found = connection.execute(
        sa.select(_customers.c.id).where(column == key, _customers.c.id != own).limit(1)
    ).first()
    return found is not None


def upgrade() -> None:
    connection = op.get_bind()
    after = 0
    while True:
        rows = connection.execute(
            sa.select(
                _customers.c.id,
                _customers.c.name,
                _customers.c.name_key,
                _customers.c.phone,
                _customers.c.phone_key,
            )
            .where(_customers.c.id > after)
            .order_by(_customers.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        after = rows[-1].id
        for row in rows:
            key, phone = _new_keys(row.name, row.phone, row.phone_key)
            changes: dict[str, str | None] = {}
            if key and key != row.name_key:
                if _taken(connection, _customers.c.name_key, key, row.id):
                    key = f"{key[:180]}#{row.id}"
                changes["name_key"] = key
            if phone != row.phone_key:
                if phone is not None and _taken(connection, _customers.c.phone_key, phone, row.id):
                    phone = f"{phone[:20]}#{row.id}"
                changes["phone_key"] = phone
            if changes:
                connection.execute(
                    sa.update(_customers).where(_customers.c.id == row.id).values(**changes)
                )


def downgrade() -> None:
    """The skeleton keys stay: they match every name the old keys matched."""
