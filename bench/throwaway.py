"""The database a benchmark runs on: a temporary SQLite file, a URL given by the user, or a
PostgreSQL server started for the run (the Debian binaries `pg_config --bindir` names, as the
tests use) and stopped afterwards."""

from __future__ import annotations

import sys
from pathlib import Path

from crm_core.contract.testing import PostgresServer, _pg_bindir


def start_postgres() -> PostgresServer:
    bindir = _pg_bindir()
    if bindir is None:
        sys.exit("PostgreSQL binaries not found (pg_config --bindir)")
    server = PostgresServer(bindir)
    server.start()
    return server


def database(
    postgres: bool, name: str, scratch: Path, url: str | None = None
) -> tuple[str, PostgresServer | None]:
    """(URL, the server to stop afterwards or None)."""
    if postgres:
        server = start_postgres()
        return server.create_database(name), server
    return url or f"sqlite:///{scratch / (name + '.db')}", None
