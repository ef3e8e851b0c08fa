"""The one MetaData every table lives in (core, plugins), its naming convention, and the
declarative base."""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Base(DeclarativeBase):
    """Every table of the core and of every plugin lives in this one MetaData."""

    metadata = metadata


def table_of(model: type[Any]) -> Table:
    """The Core table behind a mapped class (typed; Core access is unfiltered system access)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table
