"""The report engine: each core report's figures against an independent computation (raw rows
read past the ORM, visibility worked out here in Python), per role, on both databases; every
output format; charts checked by opening the PNG and the SVG; the dashboard page."""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import event, text

from crm_core.cli import output
from crm_core.cli.output import json_chunks, json_text
from crm_core.contract.testing import CliResult
from crm_core.features import demo_data as demo
from crm_core.features.reports import engine as reports
from crm_core.features.reports import files as report_files
from crm_core.foundation import charts
from crm_core.hooks.reports import Report, ReportTable
from crm_core.kernel.deployment import Deployment
from crm_core.services import customers, interactions

ZONE = ZoneInfo("Asia/Shanghai")
ROLES = ("admin", "zhou", "wu", "sun", "li", "lin")  # admin, managers at three depths, sellers


@pytest.fixture
def seeded(crm_deployment: Deployment) -> Deployment:
    with crm_deployment.work("admin", write=True) as ctx:
        demo.seed(ctx, scale=2, seed_value=7)
    return crm_deployment


class Raw:
    """The seeded rows as stored, and who may see what, computed without the core's code."""

    def __init__(self, deployment: Deployment) -> None:
        with deployment.engine.connect() as conn:
            self.users = {
                r.id: r for r in conn.execute(text("SELECT id, login, role, team_id FROM crm_user"))
            }
            self.team_names = dict(conn.execute(text("SELECT id, name FROM crm_team")).all())
            self.closure = {
                (a, d)
                for a, d in conn.execute(
                    text("SELECT ancestor_id, descendant_id FROM crm_team_closure")
                )
            }
            self.customers = list(
                conn.execute(
                    text(
                        "SELECT id, kind, level, industry, region, owner_id, created_at "
                        "FROM crm_customer"
                    )
                )
            )
            self.interactions = list(
                conn.execute(text("SELECT customer_id, user_id, occurred_at FROM crm_interaction"))
            )

    def login(self, user_id: int | None) -> str | None:
        return None if user_id is None else self.users[user_id].login

    def team(self, user_id: int | None) -> str | None:
        team_id = None if user_id is None else self.users[user_id].team_id
        return None if team_id is None else self.team_names[team_id]

    def sees_owner(self, login: str, owner_id: int | None) -> bool:
        me = next(u for u in self.users.values() if u.login == login)
        if me.role == "admin" or owner_id is None or owner_id == me.id:
            return True
        owner = self.users[owner_id]
        return (
            me.role == "manager"
            and me.team_id is not None
            and owner.team_id is not None
            and (me.team_id, owner.team_id) in self.closure
        )

    def visible_customers(self, login: str) -> list[Any]:
        return [c for c in self.customers if self.sees_owner(login, c.owner_id)]

    def visible_interactions(self, login: str) -> list[Any]:
        ids = {c.id for c in self.visible_customers(login)}
        return [i for i in self.interactions if i.customer_id in ids]


def local(moment: datetime | str) -> datetime:
    if isinstance(moment, str):  # SQLite hands back text
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(ZONE)


def run(deployment: Deployment, login: str, name: str, **raw: str) -> list[dict[str, Any]]:
    with deployment.work(login) as ctx:
        return reports.run(ctx, name, raw).records()


@pytest.mark.parametrize("by", ["kind", "level", "industry", "region", "owner", "team"])
def test_customers_by_segment_matches_an_independent_count_for_every_role(
    seeded: Deployment, by: str
) -> None:
    raw = Raw(seeded)
    person = {"owner": raw.login, "team": raw.team}
    for login in ROLES:
        expected = Counter(
            person[by](c.owner_id) if by in person else getattr(c, by)
            for c in raw.visible_customers(login)
        )
        got = {r[by]: r["count"] for r in run(seeded, login, "customers-by-segment", by=by)}
        assert got == dict(expected), (login, by)
    # a seller sees strictly less than the admin
    assert sum(Counter(c.level for c in raw.visible_customers("li")).values()) < len(raw.customers)


def test_new_customers_by_month_matches_local_months_and_windows(seeded: Deployment) -> None:
    raw = Raw(seeded)
    since = (datetime.now(ZONE) - timedelta(days=120)).date()
    for login in ROLES:
        expected = Counter(
            (local(c.created_at).strftime("%Y-%m"), c.level)
            for c in raw.visible_customers(login)
            if local(c.created_at).date() >= since
        )
        rows = run(seeded, login, "new-customers-by-month", since=since.isoformat())
        assert {(r["month"], r["level"]): r["count"] for r in rows} == dict(expected), login


def test_interactions_per_day_matches_local_days_per_user(seeded: Deployment) -> None:
    raw = Raw(seeded)
    for login in ROLES:
        expected = Counter(
            (local(i.occurred_at).date().isoformat(), raw.login(i.user_id))
            for i in raw.visible_interactions(login)
        )
        rows = run(seeded, login, "interactions-per-day")
        assert {(r["day"], r["user"]): r["count"] for r in rows} == dict(expected), login
        # whole numbers as the database gave them (plain_rows), not Decimal or float
        assert {type(r["count"]) for r in rows} <= {int}, login
        assert [(r["day"], r["user"]) for r in rows] == sorted((r["day"], r["user"]) for r in rows)


def test_interactions_per_day_of_the_readers_team(seeded: Deployment) -> None:
    """`by=day, logged_by=team` (the dashboard's tile): per day, what the reader and the people
    they manage logged on customers they may see; a seller no longer counts colleagues' work on
    shared-pool customers."""
    with seeded.engine.connect() as conn:
        pool = conn.scalars(text("SELECT id FROM crm_customer WHERE owner_id IS NULL")).all()[:3]
    assert pool
    for login in ("lin", "li"):
        with seeded.work(login, write=True) as ctx:
            for customer_id in pool:
                interactions.log(ctx, str(customer_id), "call", notes=f"{login} 跟进公海客户")
    raw = Raw(seeded)
    outsiders = 0
    for login in ROLES:
        visible = raw.visible_interactions(login)
        mine = [i for i in visible if raw.sees_owner(login, i.user_id)]
        outsiders += len(visible) - len(mine)
        expected = Counter(local(i.occurred_at).date().isoformat() for i in mine)
        rows = run(seeded, login, "interactions-per-day", by="day", logged_by="team")
        assert {r["day"]: r["count"] for r in rows} == dict(expected), login
        assert [r["day"] for r in rows] == sorted(expected)
        everyone = run(seeded, login, "interactions-per-day", by="day")
        assert sum(r["count"] for r in everyone) == len(visible), login
    assert outsiders > 0  # the seed has pool customers worked by people outside some teams


# -- formats -----------------------------------------------------------------------------------


class _Tables(HTMLParser):
    """Collects every table's cells and every SVG element's id from a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.svg_ids: list[str] = []
        self._table: str | None = None
        self._cell: list[str] | None = None
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table":
            self._table = found.get("id") or f"table-{len(self.tables)}"
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "script":
            self.scripts += 1
        if found.get("id") and tag in ("g", "path", "rect"):
            self.svg_ids.append(str(found["id"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def parse_page(path: Path) -> _Tables:
    parser = _Tables()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_every_format_carries_the_same_figures(
    seeded: Deployment, crm_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    expected = run(seeded, "wu", "customers-by-segment", by="region")
    pairs = {(r["region"], r["count"]) for r in expected}

    as_json = crm_cli(
        "report",
        "run",
        "customers-by-segment",
        "-p",
        "by=region",
        "--format",
        "json",
        as_login="wu",
    )
    assert as_json.exit_code == 0 and {(r["region"], r["count"]) for r in as_json.json()} == pairs

    as_csv = crm_cli(
        "report", "run", "customers-by-segment", "-p", "by=region", "--format", "csv", as_login="wu"
    )
    lines = [line.split(",") for line in as_csv.output.strip().splitlines()]
    assert lines[0] == ["region", "count"]
    assert {(a, int(b)) for a, b in lines[1:]} == pairs

    for fmt in ("xlsx", "html", "png"):
        out = tmp_path / f"r.{fmt}"
        result = crm_cli(
            "report", "run", "customers-by-segment", "-p", "by=region",
            "--format", fmt, "-o", str(out), "--as", "wu",
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        assert out.exists() and not list(tmp_path.glob("*.partial*"))

    sheet = load_workbook(tmp_path / "r.xlsx").active
    assert sheet is not None
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0] == ["region", "count"]
    assert {(a, b) for a, b in cells[1:]} == pairs

    page = parse_page(tmp_path / "r.html")
    table = page.tables["report-table"]
    assert table[0] == ["region", "count"]
    assert {(a, int(b.replace(",", ""))) for a, b in table[1:]} == pairs
    assert len([i for i in page.svg_ids if i.startswith("bar-0-")]) == len(pairs)
    assert page.scripts == 0

    with Image.open(tmp_path / "r.png") as image:
        assert image.format == "PNG" and image.width >= 600 and image.height >= 400


def test_csv_and_json_write_the_file_named_by_o(
    seeded: Deployment, crm_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    """`-o` writes csv and json to the file (nothing printed but the line saying so); the csv
    opens in Excel with its Chinese intact (UTF-8 with a BOM)."""
    expected = run(seeded, "wu", "customers-by-segment", by="owner")
    pairs = {(r["owner"] or "", r["count"]) for r in expected}
    files = {"csv": tmp_path / "按负责人.csv", "json": tmp_path / "r.json"}
    for fmt, out in files.items():
        written = crm_cli(
            "report", "run", "customers-by-segment", "-p", "by=owner",
            "--format", fmt, "-o", str(out), as_login="wu",
        )  # fmt: skip
        assert written.exit_code == 0, written.stderr
        assert str(out) in written.output and "count" not in written.output

    data = files["csv"].read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = [line.split(",") for line in data.decode("utf-8-sig").splitlines()]
    assert lines[0] == ["owner", "count"] and {(a, int(b)) for a, b in lines[1:]} == pairs
    records = json.loads(files["json"].read_text(encoding="utf-8"))
    assert {(r["owner"] or "", r["count"]) for r in records} == pairs
    assert not list(tmp_path.glob("*.partial*"))


def test_an_output_the_format_cannot_write_is_one_line_and_writes_nothing(
    seeded: Deployment, crm_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    outputs = tmp_path / "out"
    outputs.mkdir()
    for fmt, name, message in [
        ("table", "r.txt", "--format table prints"),
        ("csv", "r.xlsx", "ending in .csv"),
        ("xlsx", "r.csv", "ending in .xlsx"),
    ]:
        result = crm_cli(
            "report", "run", "customers-by-segment", "--format", fmt, "-o", str(outputs / name)
        )
        assert result.exit_code != 0 and message in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert list(outputs.iterdir()) == []


def test_rows_an_xlsx_sheet_cannot_hold_are_refused_and_csv_json_print_every_row(
    seeded: Deployment,
    crm_cli: Callable[..., CliResult],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A result longer than an .xlsx sheet holds (1,048,575 rows; here made 2) is refused in one
    line before anything is written, and any earlier file stays as it was; csv and json, printed
    row by row without a dict each, hold every row, the json exactly as the records would be."""
    expected = run(seeded, "wu", "customers-by-segment", by="owner")
    assert len(expected) >= 2
    monkeypatch.setattr(report_files, "XLSX_ROWS", 2)
    out = tmp_path / "r.xlsx"
    out.write_bytes(b"earlier")
    refused = crm_cli(
        "report", "run", "customers-by-segment", "-p", "by=owner",
        "--format", "xlsx", "-o", str(out), as_login="wu",
    )  # fmt: skip
    assert refused.exit_code != 0 and "write .csv" in refused.stderr, refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.stderr
    assert out.read_bytes() == b"earlier" and not list(tmp_path.glob("*.partial*"))

    printed = crm_cli(
        "report", "run", "customers-by-segment", "-p", "by=owner", "--format", "json",
        as_login="wu",
    )  # fmt: skip
    columns = ["owner", "count"]
    assert printed.output == json_text(expected, columns) + "\n"
    assert "".join(json_chunks(columns, [])) == json_text([], columns)
    as_csv = crm_cli(
        "report", "run", "customers-by-segment", "-p", "by=owner", "--format", "csv",
        as_login="wu",
    )  # fmt: skip
    rows = list(csv.reader(io.StringIO(as_csv.output)))
    assert rows[0] == columns
    assert sorted((r[0], int(r[1])) for r in rows[1:]) == sorted(
        ((r["owner"] or ""), r["count"]) for r in expected
    )


def test_a_table_draws_its_first_rows_and_says_how_to_get_the_rest(
    seeded: Deployment, crm_cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--format table` draws at most `TABLE_MOST` rows (here 2) and says on stderr how many it
    left out; csv still prints every row."""
    expected = run(seeded, "wu", "customers-by-segment", by="owner")
    assert len(expected) >= 3
    monkeypatch.setattr(output, "TABLE_MOST", 2)
    args = ("report", "run", "customers-by-segment", "-p", "by=owner")
    drawn = crm_cli(*args, as_login="wu")
    assert drawn.exit_code == 0, drawn.stderr
    lines = [line for line in drawn.output.splitlines() if line.startswith("│")]
    assert len(lines) == 2  # two rows (the header is drawn with ┃)
    assert "showing the first 2 rows; there are more: --format csv" in drawn.stderr
    printed = crm_cli(*args, "--format", "csv", as_login="wu")
    assert len(printed.output.strip().splitlines()) == 1 + len(expected)
    assert printed.stderr == ""
    monkeypatch.setattr(output, "TABLE_MOST", len(expected))
    whole = crm_cli(*args, as_login="wu")  # every row fits: no note
    assert whole.exit_code == 0 and whole.stderr == "", whole.stderr
    assert len([line for line in whole.output.splitlines() if line.startswith("│")]) == len(
        expected
    )


def test_a_table_s_first_rows_are_all_the_database_is_asked_for(seeded: Deployment) -> None:
    """A run for its first rows (a table on screen) limits the report's grouping in SQL, so the
    database stops early; files and the dashboard read every row."""
    sent: list[str] = []
    engine = seeded.engine
    listen = (engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    with seeded.work("zhou") as ctx:
        whole = reports.run(ctx, "interactions-per-day", {"by": "salesperson"})
        assert len(whole.rows) > 3
        event.listen(*listen)
        try:
            first = reports.run(ctx, "interactions-per-day", {"by": "salesperson"}, first=3)
        finally:
            event.remove(*listen)
    assert first.rows == whole.rows[:3] and first.more
    grouping = [s for s in sent if "GROUP BY" in s]
    assert grouping and all(re.search(r"\bLIMIT\b", s) for s in grouping), grouping


def test_file_formats_need_an_output_and_bad_params_are_one_line(
    seeded: Deployment, crm_cli: Callable[..., CliResult]
) -> None:
    for args, message in [
        (("--format", "png"), "-o FILE"),
        (("-p", "by=planet"), "by must be one of"),
        (("-p", "colour=red"), "no parameter colour"),
        (("-p", "since"), "not KEY=VALUE"),
    ]:
        result = crm_cli("report", "run", "customers-by-segment", *args)
        assert result.exit_code != 0
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.stderr
    missing = crm_cli("report", "run", "no-such-report")
    assert missing.exit_code != 0 and "no report" in missing.stderr
    backwards = ("-p", "since=2026-12-01", "-p", "until=2026-01-01")
    refused = crm_cli("report", "run", "interactions-per-day", *backwards)
    assert refused.exit_code != 0
    assert refused.stderr.strip() == "error: since 2026-12-01 is after until 2026-01-01"
    one_day = ("-p", "since=2026-12-01", "-p", "until=2026-12-01")
    assert crm_cli("report", "run", "interactions-per-day", *one_day).exit_code == 0


def test_a_file_in_a_missing_folder_is_one_line_before_any_work(
    seeded: Deployment, crm_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    missing = tmp_path / "没有"
    for args, target in [
        (("report", "run", "sales", "--format", "xlsx", "-o"), missing / "s.xlsx"),
        (("report", "run", "sales", "--format", "png", "-o"), missing / "s.png"),
        (("export", "customers"), missing / "c.xlsx"),
        (("export", "customers"), missing / "c.csv"),
        (("dashboard",), missing / "d.html"),
        (("rollout", "report"), missing / "r.html"),
    ]:
        result = crm_cli(*args, str(target), as_login="admin")
        assert result.exit_code != 0, args
        assert (
            result.stderr.strip() == f"error: cannot write {target}: there is no folder {missing}"
        )
    assert not missing.exists()


def test_old_reports_name_still_works(
    seeded: Deployment, crm_cli: Callable[..., CliResult]
) -> None:
    assert (
        crm_cli("report", "list", "--format", "json").json()
        == crm_cli("report", "list", "--format", "json").json()
    )


# -- charts ------------------------------------------------------------------------------------


def _bar_heights(png: bytes, colour: str) -> list[int]:
    """Heights in pixels of the runs of `colour`, left to right (one per bar)."""
    target = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    with Image.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB")
        width, height = rgb.size
        pixels = rgb.load()
        assert pixels is not None
        columns = []
        for x in range(width):
            count = sum(1 for y in range(height) if pixels[x, y] == target)
            columns.append(count)
    bars, current = [], 0
    for count in [*columns, 0]:
        if count:
            current = max(current, count)
        elif current:
            bars.append(current)
            current = 0
    return bars


def test_a_png_bar_chart_draws_bars_in_proportion_to_the_figures() -> None:
    chart = charts.Chart("地区", ("客户数",))
    png = charts.png(
        chart, ("地区", "客户数"), [("华东", 10), ("华北", 20), ("华南", 40)], "客户分布"
    )
    heights = _bar_heights(png, charts.COLOURS[0])
    assert len(heights) == 3
    assert heights[1] / heights[0] == pytest.approx(2, rel=0.05)
    assert heights[2] / heights[0] == pytest.approx(4, rel=0.05)


def test_chinese_labels_use_a_chinese_font() -> None:
    assert charts.cjk_font() is not None  # the test environment installs crm-core[cjk-fonts]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        charts.png(charts.Chart("地区", ("客户数",)), ("地区", "客户数"), [("华东", 1)], "客户分布")
    assert not [w for w in caught if "missing from" in str(w.message)]


def test_series_charts_and_time_axes() -> None:
    rows = [("2026-01", "lead", 3), ("2026-01", "won", 1), ("2026-03", "lead", 2)]
    chart = charts.infer(("month", "level", "count"), rows)
    assert chart == charts.Chart("month", ("count",), "level", "line")
    svg = charts.svg(chart, ("month", "level", "count"), rows, "每月新增")
    root = ET.fromstring(svg)
    texts = "".join(root.itertext())
    assert "2026-02" in texts  # the missing month is put back on a time axis
    assert {"lead", "won", "每月新增"} <= set(texts.split()) | {t.strip() for t in root.itertext()}
    ids = {e.get("id") for e in root.iter() if e.get("id")}
    assert {"line-0", "line-1"} <= ids


chart_rows = st.lists(
    st.tuples(
        st.sampled_from(["华东", "华北", None, "—", "华南"]),
        st.sampled_from([f"s{n}" for n in range(14)] + [None]),
        st.one_of(st.none(), st.integers(0, 500), st.decimals("0", "99.99", places=2)),
    ),
    max_size=60,
)


@given(chart_rows, st.booleans())
def test_a_chart_draws_each_category_s_total_whatever_the_series(
    rows: list[tuple[Any, ...]], by_series: bool
) -> None:
    columns = ("region", "seller", "amount")
    chart = charts.Chart("region", ("amount",), "seller" if by_series else None)
    plot = charts._prepare(chart, columns, rows)
    expected: Counter[str] = Counter()
    for region, _seller, amount in rows:
        expected["—" if region is None else region] += float(amount or 0)
    assert plot.categories == list(dict.fromkeys("—" if r is None else r for r, _s, _a in rows))
    drawn = {c: sum(line[i] for _name, line in plot.lines) for i, c in enumerate(plot.categories)}
    assert drawn == pytest.approx(dict(expected))
    assert len(plot.lines) <= (charts.MAX_SERIES if by_series else 1)
    if by_series and len({s for _r, s, _a in rows}) <= charts.MAX_SERIES:
        assert {name for name, _line in plot.lines} == {
            "—" if s is None else s for _r, s, _a in rows
        }


def test_infer_reads_types_from_every_row() -> None:
    late_text = [("a", 1)] * 50 + [("b", "many")]
    assert charts.infer(("name", "count"), late_text) is None
    assert charts.infer(("name", "flag"), [("a", True), ("b", False)]) is None
    assert charts.infer(("name", "n"), [("a", None), ("b", 2)]) == charts.Chart("name", ("n",))
    assert charts.infer(("name", "n"), [("a", None), ("b", None)]) is None


def test_infer_plots_the_money_of_a_report_about_money() -> None:
    d = Decimal
    sales = [("2026-10", 12, d("48000.00")), ("2026-11", 30, d("99000.50"))]
    assert charts.infer(("month", "orders", "amount"), sales) == charts.Chart(
        "month", ("amount",), kind="line"
    )
    ageing = [("li", d("100.00"), d("0.00"), d("50.00"), d("150.00"))]
    assert charts.infer(("salesperson", "not_due", "1-30", "31-60", "total"), ageing).y == (
        "not_due",
        "1-30",
        "31-60",
    )
    profit = [("华东重工", 1, d("300000.00"), d("96499.50"), d("32.2"))]
    chart = charts.infer(("customer", "projects", "contract", "profit", "margin_pct"), profit)
    assert chart is not None and chart.y == ("contract",)
    counts = [("A", 3), ("B", 5)]
    assert charts.infer(("level", "count"), counts) == charts.Chart("level", ("count",))
    assert charts.Chart("month", ("amount",), kind="line").describe() == "amount by month"
    assert charts.Chart("region", ("amount",), "seller").describe() == "amount per seller by region"


def test_a_reports_chart_says_what_it_plots_and_draws_what_it_names() -> None:
    table = ReportTable(
        ("owner", "projects", "amount", "weighted"), [("li", 2, Decimal("10.00"), Decimal("4.00"))]
    )
    report = Report("p", "Pipeline", lambda ctx, params: table, plots=("amount", "weighted"))
    chart = report.chart_for(table)
    assert chart == charts.Chart("owner", ("amount", "weighted"))
    svg = charts.svg(chart, table.columns, table.rows, "Pipeline")
    assert "Pipeline · amount, weighted by owner" in svg


def test_infer_gives_no_chart_for_tables_without_a_measure_or_a_dimension() -> None:
    assert charts.infer(("name", "phone"), [("a", "1")]) is None
    assert charts.infer(("count",), [(1,)]) is None
    assert charts.infer(("name", "count"), []) is None


def test_hostile_names_stay_text_in_html_and_svg(
    crm_deployment: Deployment, crm_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    with crm_deployment.work("admin", write=True) as ctx:
        customers.create(
            ctx,
            {
                "name": "恶意<script>alert(1)</script>公司",
                "industry": "<img src=x onerror=alert(1)>",
            },
        )
    out = tmp_path / "r.html"
    result = crm_cli(
        "report",
        "run",
        "customers-by-segment",
        "-p",
        "by=industry",
        "--format",
        "html",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert "<img src=x" not in page and "<script" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert parse_page(out).tables["report-table"][1][0] == "<img src=x onerror=alert(1)>"


# -- dashboard ---------------------------------------------------------------------------------


def test_dashboards_show_each_role_its_reports_over_what_it_may_see(
    seeded: Deployment, crm_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    raw = Raw(seeded)
    expected_tiles = {
        "li": {"customers-by-segment", "interactions-per-day"},
        "wu": {"customers-by-segment", "interactions-per-day", "new-customers-by-month"},
        "admin": {"customers-by-segment", "interactions-per-day", "new-customers-by-month"},
    }
    for login, tiles in expected_tiles.items():
        out = tmp_path / f"{login}.html"
        result = crm_cli("dashboard", "--as", login, str(out))
        assert result.exit_code == 0, result.stderr
        html = out.read_text(encoding="utf-8")
        shown = {
            t
            for t in ("customers-by-segment", "interactions-per-day", "new-customers-by-month")
            if f'id="tile-{t}"' in html
        }
        assert shown == tiles, login
        page = parse_page(out)
        levels = Counter(c.level for c in raw.visible_customers(login))
        segment = next(
            rows for name, rows in page.tables.items() if rows and rows[0] == ["level", "count"]
        )
        assert {(a, int(b.replace(",", ""))) for a, b in segment[1:]} == set(levels.items()), login
        assert page.scripts == 0


def test_a_dashboard_for_an_unknown_user_is_one_line(
    seeded: Deployment, crm_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    result = crm_cli("dashboard", "--as", "nobody", str(tmp_path / "x.html"))
    assert result.exit_code != 0 and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.html").exists()


def test_report_list_names_dashboards(
    seeded: Deployment, crm_cli: Callable[..., CliResult]
) -> None:
    listed = {r["name"]: r for r in crm_cli("report", "list", "--format", "json").json()}
    assert listed["interactions-per-day"]["dashboard"] == ["admin", "manager", "sales"]
    assert listed["customers-by-segment"]["params"] == ["by", "kind"]


def test_a_page_that_cannot_be_written_is_one_line_and_leaves_no_debris(
    seeded: Deployment, crm_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    missing = out / "no-such-folder" / "page.html"
    for args in (
        ("dashboard", str(missing)),
        ("report", "run", "customers-by-segment", "--format", "html", "-o", str(missing)),
        ("rollout", "report", str(missing)),
    ):
        result = crm_cli(*args)
        assert result.exit_code != 0 and len(result.stderr.strip().splitlines()) == 1, args
        assert "Traceback" not in result.stderr
    assert list(out.iterdir()) == []
    kept = out / "kept.png"
    kept.write_bytes(b"old")
    refused = crm_cli("report", "run", "no-such-report", "--format", "png", "-o", str(kept))
    assert refused.exit_code != 0 and kept.read_bytes() == b"old"
    assert sorted(p.name for p in out.iterdir()) == ["kept.png"]
