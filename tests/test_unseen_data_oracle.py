"""Data a user may not see changes nothing that user reads, through every read command of the CLI.

The demo deployment (three blocks, nine people) is copied; in the copy, everything salesperson
B may not see is deleted: every row of an owner- or customer-scoped table outside B's visibility,
with its ownership history, worksheet entries, plans, custom values and audit rows. Every read
command run as B must then print the same thing on both copies. Run as A (who holds most of the
deleted rows) the same commands must differ, which shows the oracle can fail. A read command added
later without a line here fails `test_every_command_is_classified`. SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path
from typing import Any

import attrs
import click
import pytest
from sqlalchemy import Table, create_engine, delete, inspect, select, text

from crm_core.api import Crm, NewField
from crm_core.cli.main import build_cli, run
from crm_core.contract.testing import PostgresServer
from crm_core.docgen import _commands
from crm_core.features.reports import engine as reports
from crm_core.foundation.schema import Base
from crm_core.hooks.scoping import CustomerScoped, OwnerScoped
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import AuditEntry, Customer, CustomField, CustomValue
from crm_core.kernel.plugins import PluginCatalog
from crm_core.services.entities import registry

pytest.importorskip("crm_channel_commerce")
pytest.importorskip("crm_customer_resources")
pytest.importorskip("crm_project_sales")

B = "chen"  # a salesperson of 华东大区 with 66 customers
A = "li"  # a salesperson of 上海一组 with 121 customers, none of them visible to B
#: Tables that hold a customer id without being scoped: history and bookkeeping around it.
CUSTOMER_BOOKKEEPING = ("crm_customer_ownership", "crm_worksheet_entry", "cc_plan")

#: Every command that only reads, as B runs it; "{out}" is a file in a fresh folder.
READS: dict[str, list[list[str]]] = {
    "audit": [["audit"], ["audit", "--limit", "500"]],
    "cases list": [["cases", "list"]],
    "config list": [["config", "list"]],
    "contacts list": [["contacts", "list", "--limit", "500"]],
    "customers list": [
        ["customers", "list", "--limit", "500"],
        ["customers", "list", "--search", "公司"],
        ["customers", "list", "--owner", A],
        ["customers", "list", "--prefix", "上海"],
        ["customers", "list", "--count"],
    ],
    "customers segment": [["customers", "segment"]],
    "customers duplicates": [["customers", "duplicates", "--threshold", "60"]],
    "dashboard": [["dashboard", "{out}.html"]],
    "dealer-orders list": [["dealer-orders", "list"]],
    "dealers list": [["dealers", "list"]],
    "expenses list": [["expenses", "list"]],
    "export": [
        ["export", name, "{out}.csv"]
        for name in ("customers", "contacts", "interactions", "products", "expenses")
    ],
    "fields entities": [["fields", "entities"]],
    "fields list": [["fields", "list"]],
    "follow-ups list": [["follow-ups", "list"]],
    "interactions list": [["interactions", "list", "--limit", "500"]],
    "knowledge search": [["knowledge", "search", "水"]],
    "materials list": [["materials", "list"]],
    "orders list": [["orders", "list"]],
    "orders payments": [["orders", "payments"]],
    "picklists list": [["picklists", "list"]],
    "pipeline show": [["pipeline", "show"]],
    "plugins list": [["plugins", "list"]],
    "products list": [["products", "list"]],
    "projects list": [["projects", "list"]],
    "reminders": [["reminders"], ["reminders", "--digest"]],
    "report list": [["report", "list"]],
    "report run": [],  # one run per registered report, added by the test
    "rollout goals list": [["rollout", "goals", "list"]],
    "rollout indicators": [["rollout", "indicators"]],
    "rollout status": [["rollout", "status"]],
    "rollups status": [["rollups", "status", "--check"]],
    "rules list": [["rules", "list"]],
    "rules actions": [["rules", "actions"]],
    "rules events": [["rules", "events"]],
    "stock list": [["stock", "list"]],
    "tasks list": [["tasks", "list"]],
    "teams list": [["teams", "list"]],
    "tokens list": [["tokens", "list"]],
    "jobs list": [["jobs", "list"]],
    "trash list": [["trash", "list"]],
    "users list": [["users", "list"]],
}
#: Reads of one record named on the command line; B's ids are the same in both copies, but C's
#: "not found, held by A" becomes a plain "not found" once C is deleted, so they are compared
#: in test_oracles.py and test_visibility_matrix.py instead.
ONE_RECORD = {
    "customers show",
    "dealer-orders show",
    "fields show",
    "knowledge show",
    "orders show",
    "plugins info",
    "projects show",
    "projects tree",
    "quotes list",
    "quotes show",
}
#: Commands that write (or check files on disk, or are not about one deployment's data).
WRITES = {
    *(f"cases {verb}" for verb in ("assign", "close", "open", "reopen", "resolve", "start")),
    "config get",  # a setting by name: not data about customers
    "report show",  # a report's definition and parameters: not data about customers
    "contacts update",
    "contacts delete",
    "interactions update",
    "interactions delete",
    "products update",
    "products delete",
    "expenses update",
    "expenses delete",
    "knowledge update",
    "knowledge delete",
    "trash restore",
    "config set",
    "rollups rebuild",
    "contacts add",
    *(f"customers {verb}" for verb in ("add", "claim", "grade", "level", "release")),
    *(f"customers {verb}" for verb in ("transfer", "update", "expire-protection")),
    *(f"dealer-orders {verb}" for verb in ("add", "cancel", "confirm", "pay", "ship")),
    "dealers add",
    "dealers change",
    "demo",
    "expenses add",
    *(f"fields {verb}" for verb in ("add", "remove", "restore", "set")),
    "follow-ups done",
    "import",
    "init",
    "interactions log",
    "knowledge add",
    *(f"materials {verb}" for verb in ("add", "issue", "receive")),
    *(f"orders {verb}" for verb in ("add", "cancel", "pay")),
    *(f"picklists {verb}" for verb in ("add", "relabel", "rename", "retire")),
    *(f"pipeline {verb}" for verb in ("require", "set", "unrequire")),
    "plans set",
    "plugins disable",
    "plugins enable",
    "products add",
    *(f"projects {verb}" for verb in ("add", "advance", "competitor", "cost", "deliver")),
    *(f"projects {verb}" for verb in ("lose", "member", "note", "person", "undeliver")),
    "projects update",
    "projects verify-files",  # compares stored files with disk, as an administrator
    "quotes add",
    "quotes mark",
    "rollout go-live",
    "rollout goals add",
    "rollout goals remove",
    "rollout report",  # the phase review is written with the administrator's figures
    "rollout snapshot",
    *(f"rules {verb}" for verb in ("add", "disable", "enable", "load", "remove", "sweep")),
    "rules test",
    "seed-demo",
    *(f"stock {verb}" for verb in ("adjust", "receive", "reconcile")),
    "sync export",  # an administrator's export of everything for another system
    "sync import",
    "serve",  # runs the server, whose routes run these same commands
    "jobs run",
    "tokens create",
    "tokens revoke",
    "users passwd",
    "tasks add",
    "tasks done",
    "teams add",
    "teams move",
    "upgrade",
    *(f"users {verb}" for verb in ("add", "change", "grant", "revoke")),
    "warehouses add",
    "worksheets collect",
    "worksheets issue",
}


@attrs.frozen
class Copies:
    full: str
    pruned: str
    catalog: PluginCatalog


@pytest.fixture
def copies(
    crm_backend: str, tmp_path: Path, crm_catalog: PluginCatalog, request: pytest.FixtureRequest
) -> Copies:
    if crm_backend == "sqlite":
        full = f"sqlite:///{tmp_path / 'full.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("crm_postgres")
        name = f"oracle_{uuid.uuid4().hex[:12]}"
        full = server.create_database(name)
    assert run(["demo", "--dir", str(tmp_path / "demo"), "--db", full], crm_catalog) == 0
    _give_customers_a_budget(full, crm_catalog)
    if crm_backend == "sqlite":
        shutil.copy(tmp_path / "full.db", tmp_path / "pruned.db")
        pruned = f"sqlite:///{tmp_path / 'pruned.db'}"
    else:
        pruned = server.create_database(f"{name}_pruned", template=name)
    deleted = _delete_what_b_cannot_see(pruned, crm_catalog)
    assert deleted["crm_customer"] > 100
    assert deleted["crm_interaction"] > 100
    return Copies(full, pruned, crm_catalog)


def _give_customers_a_budget(url: str, catalog: PluginCatalog) -> None:
    """A custom field with a value on every customer, so custom values are pruned too."""
    crm = Crm.open(url, catalog)
    try:
        with crm.as_user("admin", write=True) as admin:
            admin.fields.define(NewField("customers", "budget", "decimal", label_zh="预算"))
            ids = admin.context.session.scalars(select(Customer.id)).all()
            for customer_id in ids:
                admin.fields.set("customers", customer_id, {"budget": str(1000 + customer_id)})
    finally:
        crm.close()


def _scoped_tables(existing: set[str]) -> list[tuple[type[Any], Table]]:
    found = []
    for mapper in Base.registry.mappers:
        model = mapper.class_
        if issubclass(model, OwnerScoped | CustomerScoped) and mapper.local_table.name in existing:
            found.append((model, mapper.local_table))
    return found


def _key_attribute(model: type[Any]) -> Any:
    """The mapped attribute of the model's one-column primary key (the ORM filters on it)."""
    mapper = model.__mapper__
    (column,) = mapper.primary_key
    return getattr(model, mapper.get_property_by_column(column).key)


def _delete_what_b_cannot_see(url: str, catalog: PluginCatalog) -> dict[str, int]:
    deployment = Deployment(url, catalog)
    try:
        scoped = _scoped_tables(set(inspect(deployment.engine).get_table_names()))
        with deployment.work(deployment.resolve_actor(B)) as ctx:
            seen = {
                table.name: set(ctx.session.scalars(select(_key_attribute(model))))
                for model, table in scoped
            }
            entity_tables = {
                name: entity.model.__table__.name for name, entity in registry(ctx).items()
            }
    finally:
        deployment.dispose()
    # A plain engine, without the deployment's visibility or its foreign-key pragma: the shared
    # stock ledger keeps naming orders that are gone, as B's copy of the world has no such orders.
    engine = create_engine(url)
    hidden: dict[str, set[Any]] = {}
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SET session_replication_role = replica"))
            for _model, table in scoped:
                (key,) = table.primary_key.columns
                hidden[table.name] = set(conn.scalars(select(key))) - seen[table.name]
            customers = hidden["crm_customer"]
            for name in CUSTOMER_BOOKKEEPING:
                table = Base.metadata.tables[name]
                conn.execute(delete(table).where(table.c.customer_id.in_(customers)))
            for field_id, entity in conn.execute(select(CustomField.id, CustomField.entity)).all():
                ids = hidden.get(entity_tables.get(entity, ""), set())
                conn.execute(
                    delete(CustomValue).where(
                        CustomValue.field_id == field_id, CustomValue.record_id.in_(ids)
                    )
                )
            for name, ids in hidden.items():
                conn.execute(
                    delete(AuditEntry).where(
                        AuditEntry.entity == name, AuditEntry.entity_id.in_([str(i) for i in ids])
                    )
                )
                table = Base.metadata.tables[name]
                (key,) = table.primary_key.columns
                conn.execute(delete(table).where(key.in_(ids)))
    finally:
        engine.dispose()
    return {name: len(ids) for name, ids in hidden.items()}


_TIMES = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?|\d+(\.\d+)? ?(ms|s)\b")


def _normalised(text_: str) -> str:
    return _TIMES.sub("<time>", text_)


def test_every_command_is_classified(crm_catalog: PluginCatalog, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'reference.db'}"
    assert run(["--db", url, "init"], crm_catalog) == 0
    assert run(["--db", url, "plugins", "enable", "customer_resources"], crm_catalog) == 0
    assert run(["--db", url, "plugins", "enable", "project_sales"], crm_catalog) == 0
    assert run(["--db", url, "plugins", "enable", "channel_commerce"], crm_catalog) == 0
    cli = build_cli(crm_catalog)
    root = click.Context(cli, info_name="crm")
    root.params = {"db": url, "as_login": None}
    leaves = {
        ctx.command_path.removeprefix("crm ") for ctx, group in _commands(cli, root) if not group
    }
    known = set(READS) | ONE_RECORD | WRITES
    assert leaves - known == set(), "classify these commands in this test"
    assert known - leaves == set(), "these commands no longer exist"


def _invoke(
    capsys: pytest.CaptureFixture[str],
    url: str,
    catalog: PluginCatalog,
    login: str,
    args: list[str],
    out: Path,
) -> str:
    """What the command printed and wrote, with clock readings blanked."""
    capsys.readouterr()
    filled = [arg.replace("{out}", str(out)) for arg in args]
    code = run(["--db", url, "--as", login, *filled], catalog)
    printed = capsys.readouterr()
    written = ""
    for path in sorted(out.parent.glob(out.name + ".*")):
        written += path.read_text(encoding="utf-8-sig")
        path.unlink()
    return _normalised(f"exit {code}\n{printed.out}\n{printed.err}\n{written}")


#: Values for report parameters that have no default.
REPORT_PARAMS = {"field": "budget", "sum": "budget", "period": "2026-11"}


def _read_invocations(copies: Copies) -> list[list[str]]:
    """READS, plus every registered report once per value of each of its choice parameters."""
    invocations = [args for group in READS.values() for args in group]
    deployment = Deployment(copies.full, copies.catalog)
    try:
        with deployment.work("admin") as ctx:
            found = reports.registry(ctx)
    finally:
        deployment.dispose()
    for name, report in sorted(found.items()):
        fixed = [
            f"{k}={v}" for k, v in REPORT_PARAMS.items() if k in {p.name for p in report.params}
        ]
        runs = [fixed]
        for param in report.params:
            runs += [[*fixed, f"{param.name}={choice}"] for choice in param.choices]
        for params in runs:
            options = [part for value in params for part in ("--param", value)]
            invocations.append(["report", "run", name, *options, "--format", "json"])
    return invocations


def test_what_b_cannot_see_changes_nothing_b_reads(
    copies: Copies, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "out" / "file"
    out.parent.mkdir()
    refused, changed, differ_for_a = [], [], []
    for args in _read_invocations(copies):
        line = " ".join(args)
        full, pruned = (
            _invoke(capsys, url, copies.catalog, B, args, out)
            for url in (copies.full, copies.pruned)
        )
        if not full.startswith("exit 0"):
            refused.append(line)
        if full != pruned:
            changed.append(f"{line}\n--- full\n{full}\n--- pruned\n{pruned}")
        as_a = [
            _invoke(capsys, url, copies.catalog, A, args, out)
            for url in (copies.full, copies.pruned)
        ]
        if as_a[0] != as_a[1]:
            differ_for_a.append(line)
    assert changed == [], "\n\n".join(changed)
    # Refused alike on both copies: the audit log needs audit-reader, rollout and rollups an admin.
    assert refused == [
        "audit",
        "audit --limit 500",
        "rollout status",
        "rollups status --check",
    ], refused
    # The deleted rows are A's: A's lists, reports, reminders and exports do change.
    for expected in ("customers list --limit 500", "reminders", "export customers {out}.csv"):
        assert expected in differ_for_a
    assert len(differ_for_a) > 20, differ_for_a
