"""The `crm` commands the docs show run as printed: each page's shell examples, in order, on a
deployment with the three blocks that has what the page assumes (its people, customers, products
and files). A command the page shows must succeed, or be one the page says is refused in that
state; none may be a usage error (an option or command the CLI no longer has).

Lines that describe syntax rather than show a command (`[--optional]`, `a|b`, `...`) are left
out; order and dealer-order numbers are the ones this run made, in the page's order."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook

from crm_core.contract.testing import CliResult, enable_plugins
from crm_core.kernel.deployment import Deployment
from tests.conftest import needs_the_three_blocks

pytestmark = needs_the_three_blocks

DOCS = Path(__file__).resolve().parents[1] / "docs"
NUMBER = re.compile(r"\b(SO|DO)\d{8}-\d{4,}\b")
Cli = Callable[..., CliResult]

#: What each page assumes before its first example, as commands (run as admin).
PRELUDES: dict[str, list[str]] = {
    "getting-started.md": [],
    "plugins/customer_resources.md": [
        "teams add 华东区",
        "users add li --name 李明 --role sales --team 华东区",
        "products add JS-200 --name 纯水机 --price 12000",
        "products add LX-02 --name 滤芯 --price 300",
        "products add P1 --name 样品 --price 1000",
        "customers add 苏州清源环保设备 --owner li",
        "customers add 某客户 --owner li",
    ],
    "plugins/project_sales.md": [
        "plugins enable customer_resources",
        "teams add 大客户部",
        "users add li --name 李明 --role sales --team 大客户部",
        "products add JS-200 --name 纯水机 --price 16000",
        "customers add 苏州清源环保设备 --owner li",
        "contacts add 苏州清源环保设备 周总 --title 总经理",
        "contacts add 苏州清源环保设备 吴工 --title 技术总监",
        "customers add 碧波水处理设备 --kind competitor --pool",
        "projects add 苏州清源环保设备 老厂区改造 --amount 300000 --close 2027-01-31 --owner li",
    ],
    "plugins/channel_commerce.md": [
        "teams add 渠道部",
        "users add zhou --name 周总监 --role manager --team 渠道部",
        "users add sun --name 孙仓管 --role sales --team 渠道部",
        "products add JS-100 --name 净水器 --price 1000 --line 净水",
        "products add LX-01 --name 滤芯 --price 40 --line 耗材",
        "customers add 杭州润泽净水经销 --kind agent --region 华东",
    ],
    "customization.md": [
        "plugins enable customer_resources",
        "teams add 华南区",
        "users add south_sales --name 华南业务员 --role sales --team 华南区",
        "products add P1 --name 样品 --price 1000",
        "customers add 样例客户",
        "orders add 样例客户 --line P1:1",
    ],
    "spreadsheets.md": [
        "teams add 华东区",
        "users add wang --name 王芳 --role sales --team 华东区",
    ],
}

#: Examples the page itself says are refused in the state it describes.
REFUSED: dict[str, set[str]] = {}


def examples(page: str) -> list[str]:
    """The page's `crm` command lines, joined where a line ends in a backslash."""
    text = (DOCS / page).read_text(encoding="utf-8")
    found: list[str] = []
    for block in re.findall(r"```(?:sh|bash|console)?\n(.*?)```", text, flags=re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            for part in re.split(r"\s(?:&&|;)\s", line.split("  #")[0].split(" # ")[0]):
                command = part.strip()
                if not command.startswith("crm ") or re.search(r"[\[\]|]|\.\.\.|COMMAND", command):
                    continue
                found.append(command)
    return found


def write_files(folder: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["客户名称", "地区", "电话"])
    sheet.append(["名单甲公司", "华东", "13800138001"])
    sheet.append(["名单乙公司", "华东", "13800138002"])
    book.save(folder / "客户名单.xlsx")
    (folder / "list.csv").write_text("客户名称,电话\n名单甲公司,13800138001\n", encoding="utf-8")
    (folder / "跟进记录.csv").write_text(
        "客户,方式,备注\n名单甲公司,拜访,介绍产品\n", encoding="utf-8"
    )
    (folder / "rules.toml").write_text(
        '[[rule]]\nname = "展会客户升级"\non = "customer.created"\n'
        'when = "custom.channel = 展会"\ndo = "set level=qualified"\n',
        encoding="utf-8",
    )


PAGES = sorted(PRELUDES)


@pytest.mark.parametrize("page", PAGES)
def test_the_pages_commands_run_as_printed(
    page: str,
    crm_deployment: Deployment,
    crm_cli: Cli,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    crm_backend: str,
) -> None:
    if crm_backend != "sqlite":
        pytest.skip("the docs are read once; the commands' databases are tested elsewhere")
    monkeypatch.chdir(tmp_path)
    write_files(tmp_path)
    lines = examples(page)
    assert lines, f"{page} shows no command"
    if page != "getting-started.md":
        enable_plugins(crm_deployment, "customer_resources", "project_sales", "channel_commerce")
    for command in PRELUDES[page]:
        result = crm_cli(*shlex.split(command), as_login="admin")
        assert result.exit_code == 0, (command, result.stderr)
    numbers: dict[str, str] = {}
    problems: list[str] = []
    for line in lines:
        if line.startswith("crm init"):
            continue  # the deployment exists; `crm init` on it is refused by design
        printed = NUMBER.sub(lambda m: numbers.get(m.group(0), m.group(0)), line)
        args = shlex.split(printed)[1:]
        result = crm_cli(*args, as_login="admin")
        made = NUMBER.search(result.output)
        if made and args[:2] in (["orders", "add"], ["dealer-orders", "add"]):
            doc_numbers = [m.group(0) for m in NUMBER.finditer((DOCS / page).read_text("utf-8"))]
            prefix = made.group(1)
            for doc_number in doc_numbers:
                if doc_number.startswith(prefix) and doc_number not in numbers:
                    numbers[doc_number] = made.group(0)
                    break
        expected_refusal = line in REFUSED.get(page, set())
        if result.exit_code == 2 or "Traceback" in result.stderr or result.exit_code == 70:
            problems.append(f"{line}: exit {result.exit_code}: {result.stderr.strip()[:160]}")
        elif expected_refusal and result.exit_code == 0:
            problems.append(f"{line}: listed as refused, but it succeeded")
        elif not expected_refusal and result.exit_code != 0:
            problems.append(f"{line}: exit {result.exit_code}: {result.stderr.strip()[:160]}")
    assert not problems, "\n".join(problems)
