"""A pytest plugin for crm and its plugin authors (loaded through the `pytest11` entry point;
none of its fixtures is autouse, so a project that merely has crm-core installed is not touched).

Fixtures:
- `crm_environment`: English messages whatever the machine's LANG, and a working folder of the
  test's own; every fixture below that opens a database uses it. A conftest that wants it for
  every test says so: `@pytest.fixture(autouse=True) def _env(crm_environment): ...`.
- `crm_backend`: "sqlite" or "postgresql"; tests using a database run once per backend.
- `crm_database_url`: a fresh, empty-but-migrated database of that backend for one test.
- `crm_deployment`: a Deployment on that database, initialised with an admin called "admin".
- `crm_catalog`: the installed plugins (entry points), scanned once per session.
- `crm_cli`: run `crm ...` in-process against the test's deployment: `crm_cli("customers", "list")`.

PostgreSQL: the session starts its own server (Debian's PostgreSQL binaries, run as the
`postgres` user when the tests run as root) in a temporary directory and stops it at the end.
`CRM_TEST_POSTGRES=require` (set automatically when `CI` is set) turns "server unavailable" into
a failure instead of a skip; `CRM_TEST_POSTGRES=skip` runs SQLite only.

Helpers: `enable_plugins(deployment, *names)` and `disable_plugin(deployment, name)` as an
admin; `assert_tables_scoped(spec, shared={...})` fails for a plugin table that no visibility
scope covers unless `shared` says why everyone may see it; `schema_differences(...)` compares
migrations with models; `alembic_config(url)` for migration tests; `Deployment`, the type of
`crm_deployment`.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest
from sqlalchemy import create_engine, text

from crm_core.foundation.schema import Base
from crm_core.hooks.plugin_spec import PluginSpec
from crm_core.hooks.scoping import CustomerScoped, OwnerScoped, TeamScoped
from crm_core.kernel import lifecycle
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.migrate import alembic_config
from crm_core.kernel.plugins import PluginCatalog

__all__ = [
    "BACKENDS",
    "CliResult",
    "Deployment",
    "alembic_config",
    "assert_tables_scoped",
    "crm_backend",
    "crm_catalog",
    "crm_cli",
    "crm_database_url",
    "crm_deployment",
    "crm_environment",
    "crm_postgres",
    "disable_plugin",
    "enable_plugins",
    "schema_differences",
    "unscoped_tables",
]

BACKENDS = ("sqlite", "postgresql")


def _postgres_mode() -> str:
    mode = os.environ.get("CRM_TEST_POSTGRES", "").lower()
    if mode:
        return mode
    return "require" if os.environ.get("CI") else "auto"


def _pg_bindir() -> Path | None:
    try:
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True)
        candidate = Path(out.stdout.strip())
        if (candidate / "initdb").exists():
            return candidate
    except (OSError, subprocess.CalledProcessError):
        pass
    for found in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True):
        return Path(found).parent
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """A throwaway PostgreSQL server on 127.0.0.1, owned by this test session."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="crm-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_root = hasattr(os, "geteuid") and os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True)

    def start(self) -> None:
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        os.chmod(self.root, 0o700)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C",
        )
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
            # The data sits on SSD and in the page cache: a random read costs about what a
            # sequential one does (docs/getting-started.md, PostgreSQL settings).
            "-c random_page_cost=1.1"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, OSError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, template: str | None = None) -> str:
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                suffix = f" TEMPLATE {template}" if template else ""
                for attempt in range(20):
                    try:
                        conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
                        break
                    except Exception:  # template briefly in use by another session
                        if attempt == 19:
                            raise
                        time.sleep(0.1)
        finally:
            engine.dispose()
        return self.url(name)


@attrs.define
class _Templates:
    """One migrated database per backend, copied for each test (much faster than migrating)."""

    sqlite_file: Path | None = None
    pg_template: str | None = None


@pytest.fixture
def crm_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Messages in English whatever the machine's LANG (a test may set CRM_LANG itself), and a
    working folder of the test's own, so defaults such as ./crm-files never land in the
    checkout."""
    monkeypatch.setenv("CRM_LANG", "en")
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


@pytest.fixture(scope="session")
def crm_catalog() -> PluginCatalog:
    return PluginCatalog()


@pytest.fixture(scope="session")
def crm_postgres() -> Iterator[PostgresServer | None]:
    mode = _postgres_mode()
    if mode in {"skip", "0", "no", "off"}:
        yield None
        return
    bindir = _pg_bindir()
    if bindir is None:
        if mode == "require":
            pytest.fail("PostgreSQL is required (CRM_TEST_POSTGRES=require) but initdb is missing")
        yield None
        return
    server = PostgresServer(bindir)
    try:
        server.start()
    except (OSError, subprocess.CalledProcessError) as exc:
        server.stop()
        detail = getattr(exc, "stderr", "") or str(exc)
        if mode == "require":
            pytest.fail(f"could not start PostgreSQL: {detail}")
        yield None
        return
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def _crm_templates(tmp_path_factory: pytest.TempPathFactory) -> _Templates:
    return _Templates()


@pytest.fixture(params=BACKENDS)
def crm_backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    if backend == "postgresql" and request.getfixturevalue("crm_postgres") is None:
        pytest.skip("PostgreSQL server not available (set CRM_TEST_POSTGRES=require to fail)")
    if backend == "sqlite" and request.node.get_closest_marker("crm_postgres_only"):
        pytest.skip("PostgreSQL only")
    return backend


@pytest.fixture
def crm_database_url(
    request: pytest.FixtureRequest,
    crm_environment: None,
    crm_backend: str,
    tmp_path: Path,
    _crm_templates: _Templates,
    crm_catalog: PluginCatalog,
) -> str:
    """A fresh database with the core initialised (admin user "admin")."""
    if crm_backend == "sqlite":
        if _crm_templates.sqlite_file is None:
            template_dir = Path(tempfile.mkdtemp(prefix="crm-sqlite-template-"))
            template = template_dir / "template.db"
            _initialise(f"sqlite:///{template}", crm_catalog)
            _crm_templates.sqlite_file = template
        target = tmp_path / "crm.db"
        shutil.copy(_crm_templates.sqlite_file, target)
        return f"sqlite:///{target}"
    server: PostgresServer = request.getfixturevalue("crm_postgres")
    if _crm_templates.pg_template is None:
        name = "crm_template"
        _initialise(server.create_database(name), crm_catalog)
        _crm_templates.pg_template = name
    return server.create_database(f"t_{uuid.uuid4().hex[:16]}", template=_crm_templates.pg_template)


def _initialise(url: str, catalog: PluginCatalog) -> None:
    deployment = Deployment(url, catalog)
    try:
        lifecycle.initialise(deployment)
    finally:
        deployment.dispose()


@pytest.fixture
def crm_deployment(crm_database_url: str, crm_catalog: PluginCatalog) -> Iterator[Deployment]:
    deployment = Deployment(crm_database_url, crm_catalog)
    try:
        yield deployment
    finally:
        deployment.dispose()


def enable_plugins(
    deployment: Deployment, *names: str, as_login: str = "admin", with_deps: bool = False
) -> list[str]:
    """Run the plugins' migrations and enable them, as `crm plugins enable` does; the order."""
    return lifecycle.enable(
        deployment, deployment.resolve_actor(as_login), list(names), with_deps=with_deps
    )


def disable_plugin(deployment: Deployment, name: str, *, as_login: str = "admin") -> None:
    """Stop a plugin in the deployment; its data stays."""
    lifecycle.disable(deployment, deployment.resolve_actor(as_login), name)


def unscoped_tables(spec: PluginSpec) -> list[str]:
    """The names of a plugin's tables whose model inherits no visibility scope
    (`OwnerScoped`, `CustomerScoped`, `TeamScoped`), or that have no model at all."""
    tables = spec.tables()
    models = {
        getattr(mapper.local_table, "name", None): mapper.class_ for mapper in Base.registry.mappers
    }
    scopes = (OwnerScoped, CustomerScoped, TeamScoped)
    return [t.name for t in tables if not (t.name in models and issubclass(models[t.name], scopes))]


def assert_tables_scoped(spec: PluginSpec, shared: Mapping[str, str] | None = None) -> None:
    """Fail unless every table of the plugin is under the visibility policy, or named in
    `shared` with the reason everyone may read it (`{"cc_warehouse": "the company's
    warehouses"}`). A reason for a table that is scoped, or not the plugin's, fails too, so
    the list stays true."""
    shared = dict(shared or {})
    unscoped = unscoped_tables(spec)
    missing = [name for name in unscoped if not shared.get(name, "").strip()]
    stale = sorted(set(shared) - set(unscoped))
    problems = []
    if missing:
        problems.append(
            f"{spec.name}: no visibility scope on {', '.join(missing)}: inherit OwnerScoped, "
            "CustomerScoped or TeamScoped, or say in `shared` why everyone may read it"
        )
    if stale:
        problems.append(
            f"{spec.name}: `shared` names {', '.join(stale)}, which is scoped or not its table"
        )
    if problems:
        pytest.fail("; ".join(problems), pytrace=False)


def schema_differences(deployment: Deployment, owners: set[str]) -> list[Any]:
    """What Alembic autogenerate would change for these owners' tables ("crm_core" or plugin
    names): empty when the migrations match the models exactly."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from crm_core.foundation.schema import metadata
    from crm_core.hooks.plugin_spec import TABLE_OWNER
    from crm_core.hooks.rollups import PREFIX as ROLLUP_PREFIX
    from crm_core.kernel.migrate import VERSION_TABLE

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        if type_ != "table":
            return True
        if name == VERSION_TABLE or (name or "").startswith(ROLLUP_PREFIX):
            return False
        table = compare_to if obj is None else obj
        owner = table.info.get(TABLE_OWNER, "crm_core") if table is not None else None
        return owner in owners

    with deployment.engine.connect() as conn:

        def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
            return not (type_ == "table" and (name or "").startswith(ROLLUP_PREFIX))

        context = MigrationContext.configure(
            conn,
            opts={"include_object": include, "include_name": include_name, "compare_type": True},
        )
        differences: list[Any] = list(compare_metadata(context, metadata))
        if conn.dialect.name == "postgresql":  # autogenerate compares no collations
            tables = [t for t in metadata.sorted_tables if include(t, t.name, "table", False, t)]
            differences += _collation_differences(conn, tables)
        return differences


def _collation_differences(conn: Any, tables: list[Any]) -> list[Any]:
    """("collation", table, column, the model's, the database's) for each text column whose
    collation on PostgreSQL differs from its model's (`key_text`: "C"; None: the default)."""
    found = {
        (table, column): collation
        for table, column, collation in conn.exec_driver_sql(
            "SELECT table_name, column_name, collation_name FROM information_schema.columns "
            "WHERE table_schema = current_schema()"
        )
    }
    differences: list[Any] = []
    for table in tables:
        for column in table.columns:
            wanted = getattr(column.type.dialect_impl(conn.dialect), "collation", None)
            actual = found.get((table.name, column.name))
            if (table.name, column.name) in found and wanted != actual:
                differences.append(("collation", table.name, column.name, wanted, actual))
    return differences


@attrs.frozen
class CliResult:
    exit_code: int
    output: str
    stderr: str

    def json(self) -> Any:
        import json

        return json.loads(self.output)


@pytest.fixture
def crm_cli(
    crm_deployment: Deployment, capsys: pytest.CaptureFixture[str]
) -> Callable[..., CliResult]:
    """Run the `crm` command in-process against this test's deployment."""
    from crm_core.cli.main import run

    def invoke(*args: str, as_login: str | None = None) -> CliResult:
        capsys.readouterr()
        prefix = ["--db", crm_deployment.url]
        if as_login:
            prefix += ["--as", as_login]
        code = run([*prefix, *args], catalog=crm_deployment.catalog)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke
