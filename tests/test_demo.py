"""`crm demo`: the README's first command. It completes, every step does what it says, and the
files it leaves open correctly and hold what the story put in them."""

from __future__ import annotations

import contextlib
import io
import json
import uuid
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import attrs
import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func, select

from crm_core.cli.main import run
from crm_core.contract.testing import PostgresServer
from crm_core.demo import sales_list
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import Customer, User
from crm_core.kernel.plugins import PluginCatalog
from tests.conftest import needs_the_three_blocks

pytestmark = needs_the_three_blocks

BLOCKS = ("customer_resources", "project_sales", "channel_commerce")


@attrs.frozen
class DemoResult:
    code: int
    output: str
    errors: str
    out: Path
    url: str


def run_demo(catalog: PluginCatalog, out: Path, *extra: str) -> DemoResult:
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = run(["demo", "--dir", str(out), *extra], catalog=catalog)
    url = extra[extra.index("--db") + 1] if "--db" in extra else f"sqlite:///{out / 'demo.db'}"
    return DemoResult(code, stdout.getvalue(), stderr.getvalue(), out, url)


@pytest.fixture(scope="module")
def demo(crm_catalog: PluginCatalog, tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    return run_demo(crm_catalog, tmp_path_factory.mktemp("demo"))


def rollout_status(catalog: PluginCatalog, url: str) -> list[dict[str, Any]]:
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = run(["--db", url, "rollout", "status", "--format", "json"], catalog=catalog)
    assert code == 0
    blocks: list[dict[str, Any]] = json.loads(stdout.getvalue())
    return blocks


class Page(HTMLParser):
    """The parts of a page the tests look at."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []
        self.feed(path.read_text(encoding="utf-8"))
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text.append(data.strip())

    @property
    def words(self) -> str:
        return " ".join(self.text)


def test_the_demo_completes_and_every_step_does_what_it_says(demo: DemoResult) -> None:
    assert demo.code == 0, demo.errors
    assert "failed:" not in demo.errors
    assert "!!" not in demo.output
    assert "Every step did what it says" in demo.output
    chapters = [line for line in demo.output.splitlines() if line[:2] in {"1.", "2.", "3.", "4."}]
    assert [c.split(" ")[1] for c in chapters] == ["Before", "Block", "Block", "Block"]
    assert "5. The verdict" in demo.output
    steps = demo.output.count("\n--- ")
    assert steps >= 15
    assert demo.output.count(">>> Look next:") == steps  # every step says what to look at


def test_the_steps_that_must_be_refused_were_refused(demo: DemoResult) -> None:
    text = demo.errors  # refusals are one line each on stderr
    assert "is already registered by 李明 (li)" in text  # a colleague registers li's customer
    assert "cannot leave qualification; missing qualification: budget" in text  # stage gate
    assert "not enough JS-100" in text
    assert "credit limit exceeded" in text
    assert "a payment of 999999.00 is too much" in text


def test_the_sales_list_and_its_error_file_open_and_hold_the_bad_rows(demo: DemoResult) -> None:
    listing = load_workbook(demo.out / "销售部客户名单.xlsx", read_only=True)
    rows = list(listing.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == sales_list.HEADER
    assert len(rows) == 1 + sales_list.LISTED + 3
    errors = load_workbook(demo.out / "销售部客户名单.errors.xlsx", read_only=True)
    bad = list(errors.worksheets[0].iter_rows(values_only=True))
    assert len(bad) == 1 + 3
    reasons = " ".join(str(cell) for row in bad[1:] for cell in row if cell)
    assert "张伟" in reasons
    assert "李明" in reasons or "already" in reasons  # the duplicate names its holder


def test_the_export_holds_exactly_what_li_may_see(demo: DemoResult) -> None:
    book = load_workbook(demo.out / "customers-li.xlsx", read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    owner = next(i for i, name in enumerate(header) if name in {"owner", "负责人"})
    owners = {row[owner] if len(row) > owner else None for row in body}
    assert owners == {"li", None}  # li's own customers and the shared pool, nobody else's
    deployment = Deployment(demo.url)
    try:
        with deployment.engine.connect() as conn:
            li = conn.scalar(select(User.id).where(User.login == "li"))
            held = conn.scalar(select(func.count()).where(Customer.owner_id == li))
            wang = conn.scalar(select(User.id).where(User.login == "wang"))
            left = conn.scalar(select(func.count()).where(Customer.owner_id == wang))
    finally:
        deployment.dispose()
    assert left == 0  # wang's book was transferred
    assert held is not None and len(body) <= held  # exported before later generated data


@pytest.mark.parametrize("name", ["sales-by-month.png", "plan-vs-actual.png"])
def test_the_charts_are_real_pictures(demo: DemoResult, name: str) -> None:
    with Image.open(demo.out / name) as image:
        image.verify()
    with Image.open(demo.out / name) as image:
        assert image.format == "PNG"
        assert image.width >= 400 and image.height >= 300
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 10  # bars, text and axes, not a blank


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("dashboard-zhou.html", ["周总监"]),
        ("receivables-ageing.html", ["chen"]),
        ("stage-conversion.html", []),
        ("rollout-review.html", list(BLOCKS)),
    ],
)
def test_the_pages_open_offline_with_their_charts(
    demo: DemoResult, name: str, words: list[str]
) -> None:
    page = Page(demo.out / name)
    assert page.tags[:2] == ["html", "head"]
    assert "script" not in page.tags
    assert "svg" in page.tags
    for word in words:
        assert word in page.words or word in (demo.out / name).read_text(encoding="utf-8")


def test_the_monthly_project_report_is_a_spreadsheet_with_rows(demo: DemoResult) -> None:
    book = load_workbook(demo.out / "project-monthly.xlsx", read_only=True)
    rows = [r for r in book.worksheets[0].iter_rows(values_only=True) if any(r)]
    assert len(rows) >= 2


def test_rollout_status_covers_all_three_blocks(
    demo: DemoResult, crm_catalog: PluginCatalog
) -> None:
    blocks = {b["block"]: b for b in rollout_status(crm_catalog, demo.url)}
    assert set(blocks) == set(BLOCKS)
    assert blocks["customer_resources"]["days_live"] == 100
    assert blocks["channel_commerce"]["days_live"] == 0
    coverage = blocks["customer_resources"]["goals"][0]["indicators"][0]
    assert coverage["indicator"] == "contact-coverage"
    assert coverage["verdict"] == "improved"  # the visit log after go-live shows


def test_the_demo_refuses_a_database_that_holds_a_deployment(
    demo: DemoResult, crm_catalog: PluginCatalog, tmp_path: Path
) -> None:
    before = (demo.out / "demo.db").stat().st_size
    again = run_demo(crm_catalog, tmp_path, "--db", demo.url)
    assert again.code == 1
    assert again.errors.strip().count("\n") == 0
    assert "already holds a deployment" in again.errors
    assert (demo.out / "demo.db").stat().st_size == before


def test_the_demo_speaks_chinese(crm_catalog: PluginCatalog, tmp_path: Path) -> None:
    result = run_demo(crm_catalog, tmp_path, "--lang", "zh")
    assert result.code == 0, result.errors
    assert "已启用 customer_resources" in result.output
    assert "┃ 目标" in result.output and "证明价值期" in result.output


def test_the_demo_runs_on_postgresql(
    crm_catalog: PluginCatalog,
    crm_postgres: PostgresServer | None,
    tmp_path: Path,
) -> None:
    if crm_postgres is None:
        pytest.skip("PostgreSQL server not available")
    url = crm_postgres.create_database(f"demo_{uuid.uuid4().hex[:12]}")
    result = run_demo(crm_catalog, tmp_path, "--db", url)
    assert result.code == 0, result.errors
    assert "Every step did what it says" in result.output
    assert not (tmp_path / "demo.db").exists()
    assert {b["block"] for b in rollout_status(crm_catalog, url)} == set(BLOCKS)
