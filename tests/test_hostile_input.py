"""Every command and option of `crm`, driven with hostile values: numbers beyond 64 bits, digits
of other scripts, NaN and infinite amounts, dates at year 1 and 9999, NUL bytes, invalid UTF-8,
very long text, deeply nested JSON. Each must answer with one line on stderr and a non-zero exit,
or succeed; never a traceback, never an internal error, and a refused command writes nothing."""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from crm_core.cli.main import INTERNAL_ERROR, build_cli, run
from crm_core.contract.testing import enable_plugins
from crm_core.foundation.schema import metadata
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import Customer
from crm_core.services import customers, teams, users
from tests.conftest import needs_the_three_blocks

pytestmark = needs_the_three_blocks

NUMBERS = ["99999999999999999999999", "-9223372036854775809", "²", "٣"]
TEXTS = [
    "\x00",
    "名" * 100_000,
    "NaN",
    "1e400",
    "92233720368547758.07",
    "-Infinity",
    "0001-01-01",
    "9999-12-31",
    "[" * 20_000,
    "\udcff\udcfe",
    '=HYPERLINK("http://x")',
    "٣٤٥٦٧٨٩",
    "99999999999999999999999",
    "第一行\n第二行\x1b[2J",
]
DAYS = ["0001-01-01", "9999-12-31", "2026-02-30"]
#: Commands not driven: they rebuild or fill a whole deployment, or serve until stopped (a
#: hostile value click accepts, such as `--workers ٣`, would start a server); each is driven by
#: its own tests, `serve`'s refusals in tests/server/test_serve_process.py.
SKIPPED = {("demo",), ("init",), ("seed-demo",), ("upgrade",), ("serve",)}


def _hostile(param: click.Parameter) -> list[str]:
    kind = param.type
    if isinstance(kind, click.Choice) or getattr(param, "is_flag", False):
        return []
    if isinstance(kind, click.types.IntParamType | click.types.FloatParamType):
        return NUMBERS
    if isinstance(kind, click.DateTime):
        return DAYS
    return TEXTS


def _plausible(param: click.Parameter, files: dict[str, Path]) -> str:
    """A value that passes click, so that the hostile value in another parameter is reached."""
    name = (param.name or "").lower()
    kind = param.type
    if isinstance(kind, click.Choice):
        return str(kind.choices[0])
    if isinstance(kind, click.types.IntParamType | click.types.FloatParamType):
        return "1"
    if isinstance(kind, click.DateTime):
        return "2026-12-01"
    if isinstance(kind, click.Path):
        return str(files["sheet"] if getattr(kind, "exists", False) else files["out"])
    for key, value in (
        ("customer", "华东重工"),
        ("ref", "华东重工"),
        ("login", "li"),
        ("dealer", "华东重工"),
        ("amount", "100"),
        ("entity", "customers"),
        ("key", "timezone"),
        ("name", "测试"),
    ):
        if key in name:
            return value
    return "1"


def _invocations(
    deployment: Deployment, files: dict[str, Path]
) -> Iterator[tuple[tuple[str, ...], list[str]]]:
    """(command path, arguments) with one hostile value each, every parameter in turn; the
    values rotate so that each kind of value meets many parameters."""
    cli = build_cli(deployment.catalog)
    root = click.Context(cli, info_name="crm")
    root.params = {"db": deployment.url, "as_login": "admin"}
    rotation = itertools.count()

    def walk(group: click.Group, ctx: click.Context, path: tuple[str, ...]) -> Iterator[Any]:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            if command is None or command.hidden or (*path, name) in SKIPPED:
                continue
            child = click.Context(command, info_name=name, parent=ctx)
            if isinstance(command, click.Group):
                yield from walk(command, child, (*path, name))
            else:
                yield (*path, name), command

    for path, command in walk(cli, root, ()):
        params = [p for p in command.params if p.name != "help"]
        for target in params:
            values = _hostile(target)
            if not values:
                continue
            turn = next(rotation)
            for value in (values[turn % len(values)], values[(turn + 1) % len(values)]):
                args: list[str] = []
                for param in params:
                    given = value if param is target else None
                    if given is None and not (param.required or param is target):
                        continue
                    if given is None:
                        given = _plausible(param, files)
                    if isinstance(param, click.Argument):
                        args += [given] * (1 if param.nargs in (1, -1) else param.nargs)
                    else:
                        args += [param.opts[0], given]
                yield path, args


def _fingerprint(deployment: Deployment) -> tuple[int, ...]:
    with deployment.engine.connect() as connection:
        present = set(deployment.engine.dialect.get_table_names(connection))
        return tuple(
            connection.scalar(select(func.count()).select_from(table)) or 0
            for table in metadata.sorted_tables
            if table.name in present and table.name != "crm_audit"
        )


@pytest.fixture
def company(crm_deployment: Deployment, tmp_path: Path) -> Deployment:
    enable_plugins(crm_deployment, "customer_resources", "project_sales", "channel_commerce")
    with crm_deployment.work("admin", write=True) as ctx:
        teams.add(ctx, "华东区")
        users.add(ctx, "li", "李明", "sales", "华东区")
        users.add(ctx, "boss", "华东经理", "manager", "华东区")
        customers.create(ctx, {"name": "华东重工"})
    return crm_deployment


def test_no_hostile_value_reaches_a_traceback_or_writes_when_refused(
    company: Deployment, tmp_path: Path, crm_backend: str
) -> None:
    if crm_backend != "sqlite":
        pytest.skip("the command tree is driven once; the database checks run on both elsewhere")
    sheet = tmp_path / "in.csv"
    sheet.write_text("客户名称\n某公司\n", encoding="utf-8")
    files = {"sheet": sheet, "out": tmp_path / "out.csv"}
    problems: list[str] = []
    for path, args in _invocations(company, files):
        before = _fingerprint(company)
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = run(["--db", company.url, "--as", "admin", *path, *args], company.catalog)
            except BaseException as exc:
                code = INTERNAL_ERROR
                err.write(f"raised {type(exc).__name__}: {exc}"[:200])
        shown = " ".join(path) + " " + " ".join(a[:30] for a in args)
        lines = [line for line in err.getvalue().splitlines() if line.strip()]
        if code == INTERNAL_ERROR or "Traceback" in err.getvalue():
            problems.append(f"{shown}: {lines[-1][:160] if lines else '?'}")
        elif code != 0 and (len(lines) != 1 or _fingerprint(company) != before):
            problems.append(f"{shown}: exit {code}, {len(lines)} stderr lines, or it wrote")
    assert not problems, f"{len(problems)} hostile inputs:\n" + "\n".join(problems[:80])


@pytest.mark.parametrize(
    ("price", "reason"),
    [
        ("NaN", "is not a number"),
        ("-Infinity", "is not a number"),
        ("1e400", "is larger than 1,000,000,000,000"),
        ("92233720368547758.07", "is larger than 1,000,000,000,000"),
    ],
)
def test_an_amount_is_a_finite_number_within_its_bound(
    crm_cli: Any, crm_deployment: Deployment, price: str, reason: str
) -> None:
    before = _fingerprint(crm_deployment)
    refused = crm_cli("products", "add", "P1", "--name", "净水器", "--price", price)
    assert refused.exit_code == 1 and reason in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert _fingerprint(crm_deployment) == before


def test_quantities_and_totals_are_bounded_and_the_largest_order_still_reports(
    company: Deployment, crm_cli: Any
) -> None:
    assert crm_cli("products", "add", "P1", "--name", "设备", "--price", "1000000").exit_code == 0
    before = _fingerprint(company)
    for line, reason in (
        ("P1:²", "must be a positive whole number"),
        ("P1:٣", "must be a positive whole number"),
        ("P1:1000001", "is larger than 1,000,000"),
        ("P1:1000000@1000000000000", "the order's total"),
    ):
        refused = crm_cli("orders", "add", "华东重工", "--line", line, as_login="admin")
        assert refused.exit_code == 1 and reason in refused.stderr, (line, refused.stderr)
    assert _fingerprint(company) == before
    largest = crm_cli("orders", "add", "华东重工", "--line", "P1:1@1000000000000")
    assert largest.exit_code == 0, largest.stderr
    sales = crm_cli("report", "run", "sales", "-p", "by=month", "--format", "json")
    assert sales.exit_code == 0, sales.stderr
    assert sum(Decimal(r["amount"]) for r in sales.json()) == Decimal("1000000000000.00")


def test_the_last_active_admin_may_not_be_deactivated_or_demoted(crm_cli: Any) -> None:
    for change in (["--inactive"], ["--role", "sales"]):
        refused = crm_cli("users", "change", "admin", *change)
        assert refused.exit_code == 1 and "last active admin" in refused.stderr
    assert (
        crm_cli("users", "add", "root2", "--name", "第二管理员", "--role", "admin").exit_code == 0
    )
    assert crm_cli("users", "change", "admin", "--inactive").exit_code == 0
    refused = crm_cli("users", "change", "root2", "--role", "sales", as_login="root2")
    assert refused.exit_code == 1 and "last active admin" in refused.stderr
    listed = {
        u["login"]: u for u in crm_cli("users", "list", "--format", "json", as_login="root2").json()
    }
    assert listed["root2"]["role"] == "admin" and listed["root2"]["active"] is True


def test_a_salesperson_may_not_create_a_customer_signed_or_blacklisted(
    company: Deployment, crm_cli: Any, tmp_path: Path
) -> None:
    def count() -> int:
        with company.engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(Customer)) or 0)

    before = count()
    for level in ("signed", "blacklist"):
        refused = crm_cli("customers", "add", f"{level}公司", "--level", level, as_login="li")
        assert refused.exit_code != 0 and "manager's decision" in refused.stderr, refused.stderr
        sheet = tmp_path / f"{level}.csv"
        sheet.write_text(f"客户名称,级别\n{level}导入公司,{level}\n", encoding="utf-8")
        imported = crm_cli("import", "customers", str(sheet), "--format", "json", as_login="li")
        assert imported.exit_code != 0 or imported.json()[0]["inserted"] == 0, imported.stdout
    assert count() == before
    made = crm_cli("customers", "add", "老客户公司", "--level", "signed", as_login="boss")
    assert made.exit_code == 0, made.stderr


def test_only_the_integrations_export_moves_the_mark_the_erp_reads(
    company: Deployment, crm_cli: Any, tmp_path: Path
) -> None:
    first = crm_cli("sync", "export", str(tmp_path / "erp1.json"), "--since", "2026-01-01")
    assert first.exit_code == 0, first.stderr
    with company.work("admin", write=True) as ctx:
        customers.create(ctx, {"name": "后来的客户"})
    mine = crm_cli(
        "sync", "export", str(tmp_path / "li.json"), "--since", "2026-01-01", as_login="li"
    )
    assert mine.exit_code == 0, mine.stderr
    again = crm_cli("sync", "export", str(tmp_path / "li2.json"), "--since", "last", as_login="li")
    assert again.exit_code == 0, again.stderr  # li continues from li's own export
    erp = crm_cli("sync", "export", str(tmp_path / "erp2.json"), "--since", "last")
    assert erp.exit_code == 0, erp.stderr
    names = [
        c["name"] for c in json.loads((tmp_path / "erp2.json").read_text())["kinds"]["customers"]
    ]
    assert "后来的客户" in names  # li's export did not move the ERP's mark past it


def test_csv_on_standard_output_neutralises_formulas(company: Deployment, crm_cli: Any) -> None:
    with company.work("admin", write=True) as ctx:
        customers.create(ctx, {"name": '=HYPERLINK("http://x","点我")'})
    listed = crm_cli("customers", "list", "--format", "csv")
    assert listed.exit_code == 0, listed.stderr
    assert "'=HYPERLINK(" in listed.output and "\n=HYPERLINK" not in listed.output
    report = crm_cli("report", "run", "customers-by-segment", "--format", "csv")
    assert report.exit_code == 0 and "=HYPERLINK" not in report.output.replace("'=HYPERLINK", "")


def test_a_csv_without_line_breaks_a_non_text_codec_or_a_long_delimiter_is_refused(
    crm_cli: Any, crm_deployment: Deployment, tmp_path: Path
) -> None:
    endless = tmp_path / "endless.csv"
    endless.write_text("客户名称" + ",甲" * 800_000, encoding="utf-8")
    plain = tmp_path / "plain.csv"
    plain.write_text("客户名称\n甲公司\n", encoding="utf-8")
    before = _fingerprint(crm_deployment)
    for args, reason in (
        ((str(endless),), "longer than 1,000,000 characters"),
        ((str(plain), "--encoding", "rot13"), "is not a text encoding"),
        ((str(plain), "--encoding", "base64"), "is not a text encoding"),
        ((str(plain), "--delimiter", ";;"), "must be one character"),
    ):
        refused = crm_cli("import", "customers", *args)
        assert refused.exit_code == 1 and reason in refused.stderr, (args, refused.stderr)
        assert len(refused.stderr.strip().splitlines()) == 1
    assert _fingerprint(crm_deployment) == before


def _ods(path: Path, rows: list[list[str]]) -> None:
    """A minimal OpenDocument spreadsheet, as LibreOffice saves one."""
    import zipfile
    from xml.sax.saxutils import escape

    cells = "".join(
        "<table:table-row>"
        + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{escape(c)}</text:p>'
            "</table:table-cell>"
            for c in row
        )
        + "</table:table-row>"
        for row in rows
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="Sheet1">{cells}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as book:
        book.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        book.writestr("META-INF/manifest.xml", manifest)
        book.writestr("content.xml", content)


def test_an_ods_import_with_rejected_rows_lists_them_in_an_xlsx(
    crm_cli: Any, tmp_path: Path
) -> None:
    sheet = tmp_path / "名单.ods"
    _ods(sheet, [["客户名称", "电话"], ["甲公司", "13800138000"], ["乙公司", "12"]])
    done = crm_cli("import", "customers", str(sheet))
    assert done.exit_code == 3, done.stderr  # imported, with a rejected row
    listed = tmp_path / "名单.errors.xlsx"
    assert listed.exists() and str(listed) in done.stderr
    rows = list(load_workbook(listed).active.iter_rows(values_only=True))
    assert rows[1][0] == "乙公司"


def test_each_field_holds_what_its_column_holds_and_no_nul(
    crm_cli: Any, crm_deployment: Deployment, tmp_path: Path
) -> None:
    before = _fingerprint(crm_deployment)
    for args, reason in (
        (("customers", "add", "名" * 201), "name is longer than 200 characters"),
        (("customers", "add", "甲公司", "--phone", "9" * 5000), "phone"),
        (("customers", "add", "甲公司", "--notes", "长" * 100_001), "notes is longer than 100,000"),
    ):
        refused = crm_cli(*args)
        assert refused.exit_code == 1 and reason in refused.stderr, (args[:2], refused.stderr)
    assert _fingerprint(crm_deployment) == before
    sheet = tmp_path / "nul.csv"
    sheet.write_text("客户名称,备注\n甲公司,有\x00空字符\n", encoding="utf-8")
    imported = crm_cli("import", "customers", str(sheet))
    assert imported.exit_code == 3  # the row is rejected, with its reason in the error file
    assert "NUL" in (tmp_path / "nul.errors.csv").read_text(encoding="utf-8-sig")
    stored = crm_cli("customers", "add", "名" * 200)
    assert stored.exit_code == 0, stored.stderr


@pytest.mark.parametrize(
    ("name", "phone"),
    [
        ("华东重工\u3164", None),  # a Hangul filler at the end
        ("华东\u200b重工", None),  # a zero-width space
        ("華東重工", None),  # traditional characters
        ("Acme", "13800138000"),  # held by phone: the same digits...
        ("Acme2", "١٣٨٠٠١٣٨٠٠٠"),  # ... in Arabic-Indic digits
        ("Acme3", "086 13800138000"),
        ("Acme4", "138-0013-8000 转 12"),
    ],
)
def test_a_held_customer_cannot_be_registered_again_in_disguise(
    company: Deployment, crm_cli: Any, name: str, phone: str | None
) -> None:
    assert (
        crm_cli("customers", "add", "Аcme", "--phone", "13800138000").exit_code == 0
    )  # Cyrillic А
    refused = crm_cli(
        "customers", "add", name, *(("--phone", phone) if phone else ()), as_login="li"
    )
    assert refused.exit_code != 0 and "registered" in refused.stderr, refused.stderr
    assert "Admin (admin)" in refused.stderr  # the holder is named: that is protection


def test_a_phone_match_names_the_holder_never_the_hidden_customer(
    company: Deployment, crm_cli: Any, tmp_path: Path
) -> None:
    assert crm_cli("customers", "add", "秘密客户", "--phone", "13912345678").exit_code == 0
    refused = crm_cli("customers", "add", "试探公司", "--phone", "13912345678", as_login="li")
    assert refused.exit_code != 0 and "registered, by" in refused.stderr
    assert "秘密客户" not in refused.stderr
    sheet = tmp_path / "probe.csv"
    sheet.write_text("客户名称,电话\n试探一,13912345678\n", encoding="utf-8")
    probe = crm_cli("import", "customers", str(sheet), "--dry-run", as_login="li")
    assert probe.exit_code == 3, probe.stderr
    reasons = (tmp_path / "probe.errors.csv").read_text(encoding="utf-8-sig")
    assert "a customer with this phone" in reasons and "秘密客户" not in reasons


def test_protection_probes_are_audited_throttled_and_shown_to_the_manager(
    company: Deployment, crm_cli: Any, tmp_path: Path
) -> None:
    from crm_core.services.customers import PROBES_A_DAY

    with company.work("admin", write=True) as ctx:
        for n in range(PROBES_A_DAY + 5):
            customers.create(ctx, {"name": f"隐藏客户{n}", "phone": f"1390000{n:04d}"})
    sheet = tmp_path / "phones.csv"
    sheet.write_text(
        "客户名称,电话\n" + "".join(f"试探{n},1390000{n:04d}\n" for n in range(PROBES_A_DAY - 3)),
        encoding="utf-8",
    )
    dry = crm_cli("import", "customers", str(sheet), "--dry-run", as_login="li")
    assert dry.exit_code == 3, dry.stderr  # nothing written, every row refused ...
    for n in range(PROBES_A_DAY - 3, PROBES_A_DAY + 2):  # ... and counted all the same
        refused = crm_cli("customers", "add", f"隐藏客户{n}", as_login="li")
        assert refused.exit_code != 0
    assert "already registered by" not in refused.stderr and "ask your manager" in refused.stderr
    reasons = (tmp_path / "phones.errors.csv").read_text(encoding="utf-8-sig")
    assert reasons.count("a customer with this phone") == PROBES_A_DAY - 3
    seen = crm_cli("audit", "--probes", "1", "--format", "json", as_login="boss")
    assert seen.exit_code == 0, seen.stderr
    assert [(r["user"], r["probes"], r["refused"]) for r in seen.json()] == [
        ("li", PROBES_A_DAY, 2)
    ]
    denied = crm_cli("audit", "--probes", "1", as_login="li")
    assert denied.exit_code == 1 and "may not read who probed" in denied.stderr


def test_a_setting_of_days_is_bounded_and_sync_import_checks_rights_before_reading(
    company: Deployment, crm_cli: Any, tmp_path: Path
) -> None:
    absurd = crm_cli("config", "set", "customer_resources.protection_days", "99999999999")
    assert absurd.exit_code == 1 and "from 1 to 100,000" in absurd.stderr
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000, encoding="utf-8")
    refused = crm_cli("sync", "import", str(deep), as_login="li")
    assert refused.exit_code == 1 and "needs erp-sync" in refused.stderr
    nested = crm_cli("sync", "import", str(deep))
    assert nested.exit_code == 1 and "nested more than 64 levels" in nested.stderr


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("abc", "'abc' is not a number"),
        ("1e400", "1e400 is larger than 1,000,000,000,000"),
        ("NaN", "'NaN' is not a number"),
    ],
)
def test_a_custom_number_names_what_is_wrong_in_words(
    crm_cli: Any, crm_deployment: Deployment, tmp_path: Path, value: str, reason: str
) -> None:
    assert crm_cli("fields", "add", "customers", "budget", "--type", "decimal").exit_code == 0
    assert crm_cli("fields", "add", "customers", "since", "--type", "date").exit_code == 0
    assert crm_cli("customers", "add", "甲公司").exit_code == 0
    refused = crm_cli("fields", "set", "customers", "1", f"budget={value}")
    assert refused.exit_code == 1 and reason in refused.stderr, refused.stderr
    assert "<class" not in refused.stderr
    day = crm_cli("fields", "set", "customers", "1", "since=0001-01-01")
    assert day.exit_code == 1 and "is not a date (YYYY-MM-DD)" in day.stderr
    sheet = tmp_path / "budgets.csv"
    sheet.write_text(f"客户名称,budget\n乙公司,{value}\n", encoding="utf-8")
    assert crm_cli("import", "customers", str(sheet)).exit_code == 3
    reasons = (tmp_path / "budgets.errors.csv").read_text(encoding="utf-8-sig")
    assert reason in reasons and "<class" not in reasons
