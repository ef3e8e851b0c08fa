"""The demo: a fictional company rolls out its CRM one block at a time, through the `crm` CLI.

Run it with `python3 dev.py demo` (or `python examples/demo.py` in an environment where crm-core is
installed). It writes demo-output/demo.db and a spreadsheet export beside it, prints every command
it runs and what the command printed, and exits non-zero if any step fails.
Pass `--db URL` to run it against another database (e.g. PostgreSQL), `--lang zh` for Chinese.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from crm_core.cli.main import run
from crm_core.plugins import PluginCatalog

OUT = Path(__file__).resolve().parent.parent / "demo-output"


class Demo:
    def __init__(self, db: str) -> None:
        self.db = db
        self.catalog = PluginCatalog()
        self.failures = 0

    def title(self, english: str, chinese: str) -> None:
        print(f"\n{'=' * 78}\n{english}\n{chinese}\n{'=' * 78}", flush=True)

    def crm(self, *args: str, as_login: str | None = None, expect_error: bool = False) -> int:
        prefix = ["--as", as_login] if as_login else []
        shown = " ".join(a if " " not in a else repr(a) for a in [*prefix, *args])
        print(f"\n$ crm {shown}", flush=True)
        code = run(["--db", self.db, *prefix, *args], catalog=self.catalog)
        sys.stdout.flush()
        sys.stderr.flush()
        if (code != 0) != expect_error:
            self.failures += 1
            print(f"!! unexpected exit code {code}", flush=True)
        return code

    def installed(self, name: str) -> bool:
        found = self.catalog.installed.get(name)
        return found is not None and found.ok


def _fill_worksheet(directory: Path) -> bool:
    """What a salesperson does in Excel: fill in the yellow columns of the first two lines."""
    from openpyxl import load_workbook

    files = sorted(directory.glob("*.xlsx"))
    if not files:
        return False
    book = load_workbook(files[0])
    sheet = book.worksheets[0]
    if sheet.max_row < 3:
        return False
    sheet["H2"], sheet["I2"], sheet["J2"], sheet["K2"] = (
        "2026-11-20",
        "拜访",
        "演示了新方案",
        "下周报价",
    )
    sheet["I3"], sheet["J3"], sheet["M3"] = "电话", "确认需求", "qualified"
    book.save(files[0])
    return True


def core_block(demo: Demo) -> None:
    demo.title(
        "Block 0: the core. One database per company; users, teams, customers.",
        "第 0 块：核心。每家公司一个数据库；用户、团队、客户。",
    )
    demo.crm("init", "--admin", "admin", "--admin-name", "系统管理员")
    demo.crm("seed-demo", "--scale", "2")
    demo.crm("teams", "list")
    demo.crm("users", "list")
    demo.crm("plugins", "list")

    demo.title(
        "Visibility: each salesperson sees their own customers, managers their subtree.",
        "可见性：业务员只看自己的客户，经理看下属团队的客户。",
    )
    demo.crm("customers", "list", "--limit", "5", as_login="li")
    demo.crm("reports", "run", "customers-by-segment", "-p", "by=owner", as_login="sun")
    demo.crm("reports", "run", "customers-by-segment", "-p", "by=owner", as_login="zhou")

    demo.title(
        "Customer protection: a duplicate is refused, naming who holds it.",
        "客户保护：重复登记被拒绝，并告知由谁负责。",
    )
    demo.crm(
        "customers",
        "add",
        "杭州青禾数字科技有限公司",
        "--phone",
        "0571-8765 4321",
        "--industry",
        "互联网",
        "--region",
        "华东",
        as_login="li",
    )
    demo.crm("customers", "add", "杭州青禾数字科技", as_login="lin", expect_error=True)
    demo.crm(
        "customers",
        "add",
        "青禾数字(杭州)",
        "--phone",
        "+86 571 8765 4321",
        as_login="lin",
        expect_error=True,
    )

    demo.title(
        "Daily work: contacts, a visit with a next-contact date, reminders.",
        "日常工作：联系人、拜访记录与下次联系日期、待办提醒。",
    )
    demo.crm(
        "contacts",
        "add",
        "杭州青禾数字科技",
        "赵丽",
        "--title",
        "采购经理",
        "--phone",
        "13900001111",
        as_login="li",
    )
    demo.crm(
        "interactions",
        "log",
        "杭州青禾数字科技",
        "--kind",
        "visit",
        "--contact",
        "赵丽",
        "--notes",
        "现场演示，客户关注售后服务",
        as_login="li",
    )
    demo.crm("reminders", as_login="li")
    demo.crm("customers", "show", "杭州青禾数字科技", as_login="li")
    demo.crm(
        "interactions",
        "list",
        "--team",
        "上海一组",
        "--by-day",
        "--since",
        "2026-11-01",
        as_login="sun",
    )

    demo.title(
        "A salesperson leaves: everything moves to a colleague in one transaction.",
        "业务员离职：其全部客户一次性移交给同事（单一事务）。",
    )
    demo.crm(
        "customers",
        "transfer",
        "--from",
        "wang",
        "--to",
        "li",
        "--reason",
        "离职交接",
        as_login="sun",
    )
    demo.crm("customers", "list", "--owner", "wang", as_login="sun")

    demo.title(
        "Spreadsheets: export what you may see; import keeps good rows, hands back the bad ones.",
        "电子表格：导出可见数据；导入写入合格的行，被拒的行连同原因退回。",
    )
    export = OUT / "customers-li.xlsx"
    demo.crm("export", "customers", str(export), as_login="li")
    bad = OUT / "import-with-errors.csv"
    bad.write_text(
        "客户名称,类型,电话\n宁波蓝海贸易有限公司,客户,13700000001\n,客户,\n"
        "杭州青禾数字科技,外星人,\n",
        encoding="utf-8-sig",
    )
    demo.crm(
        "import", "customers", str(bad), "--all-or-nothing", as_login="admin", expect_error=True
    )
    demo.crm("import", "customers", str(bad), as_login="admin", expect_error=True)
    errors = OUT / "import-with-errors.errors.csv"
    print(errors.read_text(encoding="utf-8-sig"))
    good = OUT / "import.csv"
    good.write_text(
        "客户名称,类型,行业,地区,电话\n宁波蓝海贸易有限公司,代理商,批发零售,华东,"
        "13700000001\n温州瓯江电器有限公司,客户,制造业,华东,\n",
        encoding="utf-8-sig",
    )
    demo.crm(
        "import",
        "customers",
        str(good),
        "--on-duplicate",
        "update",
        "--owner",
        "admin",
        as_login="admin",
    )
    demo.title(
        "Worksheets: leads out to a salesperson as .xlsx, their notes back in.",
        "工作表：把线索以 Excel 发给业务员，收回填写的跟进记录。",
    )
    sheets = OUT / "worksheets"
    demo.crm("worksheets", "issue", "--to", "li", str(sheets), as_login="admin")
    filled = _fill_worksheet(sheets)
    if filled:
        demo.crm("worksheets", "collect", str(sheets), as_login="admin")
        demo.crm("worksheets", "collect", str(sheets), as_login="admin")  # again: nothing changes
    demo.crm("reports", "list")
    demo.crm(
        "reports",
        "run",
        "new-customers-by-month",
        "-p",
        "since=2026-06-01",
        "--format",
        "json",
        as_login="zhou",
    )
    demo.crm("audit", "--limit", "5")


def customer_resources_block(demo: Demo) -> None:
    demo.title(
        "Block 1 (10 days): the customer-resource platform for the sales department.",
        "第 1 块（10 天）：销售部的客户资源平台。",
    )
    demo.crm("plugins", "enable", "customer_resources")
    demo.crm("plugins", "list")
    demo.crm("picklists", "list", "industry")
    demo.crm(
        "customers",
        "add",
        "杭州火星贸易",
        "--industry",
        "星际贸易",
        as_login="li",
        expect_error=True,
    )

    demo.title(
        "Protection: claim a lead from the pool; a first contact makes it 'contacted'.",
        "客户保护：从公海认领线索；首次联系后自动变为“已联系”。",
    )
    demo.crm(
        "customers",
        "add",
        "苏州清源环保设备有限公司",
        "--pool",
        "--industry",
        "制造业",
        "--region",
        "华东",
    )
    demo.crm("customers", "claim", "苏州清源环保设备", as_login="li")
    demo.crm("customers", "claim", "苏州清源环保设备", as_login="lin", expect_error=True)
    demo.crm(
        "interactions",
        "log",
        "苏州清源环保设备",
        "--kind",
        "call",
        "--notes",
        "了解采购计划",
        as_login="li",
    )
    demo.crm("customers", "level", "苏州清源环保设备", "qualified", as_login="li")
    demo.crm("customers", "level", "苏州清源环保设备", "signed", as_login="li")

    demo.title(
        "Orders with a payment plan; payments; receivables and dunning (催款).",
        "订单与付款计划；回款；应收账款与催款提醒。",
    )
    demo.crm(
        "orders",
        "add",
        "苏州清源环保设备",
        "--line",
        "JS-200:3",
        "--line",
        "LX-02:12@280",
        "--date",
        "2026-09-01",
        "--installments",
        "3",
        "--every",
        "30",
        as_login="li",
    )
    demo.crm("orders", "list", "--customer", "苏州清源环保设备", "--format", "json", as_login="li")
    demo.crm("orders", "pay", "SO20260901-0001", "10000", "--date", "2026-10-05", as_login="li")
    demo.crm("orders", "show", "SO20260901-0001", as_login="li")
    demo.crm("orders", "pay", "SO20260901-0001", "999999", as_login="li", expect_error=True)
    demo.crm("reminders", "--format", "csv", as_login="li")
    demo.crm("reminders", "--format", "csv", as_login="sun")
    demo.crm("customers", "show", "苏州清源环保设备", as_login="li")

    demo.title("Expenses, the knowledge base, service cases.", "费用、知识库、客户服务。")
    demo.crm(
        "expenses",
        "add",
        "368.00",
        "--category",
        "travel",
        "--customer",
        "苏州清源环保设备",
        "--notes",
        "苏州出差高铁",
        as_login="li",
    )
    demo.crm(
        "knowledge",
        "add",
        "环保设备行业采购周期",
        "--category",
        "technique",
        "--body",
        "环保设备客户一般在第三季度做预算，第四季度招标；提前两个月接触。",
    )
    demo.crm("knowledge", "search", "采购", "预算")
    demo.crm(
        "cases",
        "open",
        "苏州清源环保设备",
        "--kind",
        "complaint",
        "--title",
        "安装延期两天",
        as_login="li",
    )
    demo.crm("cases", "resolve", "1", "--resolution", "已致歉并赠送滤芯一套", as_login="li")

    demo.title(
        "A month of real use (generated), then decision-support reports.",
        "一个月的真实使用（生成数据），然后看决策支持报表。",
    )
    demo.crm("seed-demo", "--scale", "1", "--seed", "7")
    demo.crm(
        "reports",
        "run",
        "customer-development",
        "-p",
        "by=level",
        "-p",
        "since=2026-09-01",
        as_login="zhou",
    )
    demo.crm("reports", "run", "sales", "-p", "by=salesperson", as_login="zhou")
    demo.crm("reports", "run", "receipts", "-p", "by=month", as_login="zhou")
    demo.crm("reports", "run", "receivables-ageing", "-p", "by=salesperson", as_login="zhou")
    demo.crm("reports", "run", "expenses", "-p", "by=category", as_login="wu")
    demo.crm("customers", "expire-protection", as_login="zhou")
    demo.crm(
        "customers",
        "transfer",
        "--from",
        "chen",
        "--to",
        "li",
        "--reason",
        "调岗",
        "--format",
        "json",
        as_login="wu",
    )


def project_sales_block(demo: Demo) -> None:
    demo.title(
        "Block 2 (15 days): sales projects for the key-account department, on block 1's data.",
        "第 2 块（15 天）：大客户部的销售项目管理，直接使用第 1 块已有的客户数据。",
    )
    demo.crm("plugins", "enable", "project_sales")
    demo.crm("pipeline", "show")
    demo.crm("pipeline", "show", "--category", "engineering")
    demo.crm("customers", "add", "碧波水处理设备有限公司", "--kind", "competitor", "--pool")
    demo.crm("contacts", "add", "苏州清源环保设备", "周总", "--title", "总经理", as_login="li")
    demo.crm("contacts", "add", "苏州清源环保设备", "吴工", "--title", "设备部经理", as_login="li")
    demo.crm(
        "projects",
        "add",
        "苏州清源环保设备",
        "新厂区纯水系统",
        "--amount",
        "1200000",
        "--close",
        "2027-03-31",
        "--category",
        "engineering",
        as_login="li",
    )
    demo.crm("projects", "advance", "新厂区纯水系统", as_login="li")

    demo.title(
        "Stage gates: the project cannot move on until the deliverables are in.",
        "阶段关卡：交付物不齐，项目不能进入下一阶段。",
    )
    demo.crm("projects", "advance", "新厂区纯水系统", as_login="li", expect_error=True)
    demo.crm(
        "projects",
        "deliver",
        "新厂区纯水系统",
        "budget",
        "--record",
        '{"amount": "1200000", "approved_by": "周总"}',
        as_login="li",
    )
    demo.crm("projects", "advance", "新厂区纯水系统", as_login="li")
    plan = OUT / "设计方案-新厂区纯水系统.txt"
    plan.write_text(
        "新厂区纯水系统设计方案（演示）：两级反渗透 + EDI，产水 20 吨/小时。\n", encoding="utf-8"
    )
    photos = OUT / "现场照片-新厂区.txt"
    photos.write_text("现场照片清单（演示）：水源、机房、管廊。\n", encoding="utf-8")
    demo.crm(
        "projects", "deliver", "新厂区纯水系统", "design_plan", "--file", str(plan), as_login="li"
    )
    demo.crm("projects", "advance", "新厂区纯水系统", as_login="li", expect_error=True)
    demo.crm(
        "projects", "deliver", "新厂区纯水系统", "site_photos", "--file", str(photos), as_login="li"
    )
    demo.crm("projects", "advance", "新厂区纯水系统", as_login="li")

    demo.title(
        "Decision tree, competitors, versioned quotes with margin.",
        "决策树、竞争对手、带毛利的多版本报价。",
    )
    demo.crm(
        "projects",
        "person",
        "新厂区纯水系统",
        "周总",
        "--role",
        "decision_maker",
        "--attitude",
        "neutral",
        as_login="li",
    )
    demo.crm(
        "projects",
        "person",
        "新厂区纯水系统",
        "吴工",
        "--role",
        "technical_evaluator",
        "--attitude",
        "supporter",
        "--reports-to",
        "周总",
        as_login="li",
    )
    demo.crm("projects", "tree", "新厂区纯水系统", as_login="li")
    demo.crm(
        "projects",
        "competitor",
        "新厂区纯水系统",
        "碧波水处理设备",
        "--strengths",
        "本地服务快",
        "--weaknesses",
        "无 EDI 经验",
        "--price",
        "1050000",
        as_login="li",
    )
    demo.crm(
        "quotes",
        "add",
        "新厂区纯水系统",
        "--line",
        "JS-200:60@16000/9800",
        "--line",
        "系统集成与调试:1@180000/90000",
        as_login="li",
    )
    demo.crm(
        "quotes",
        "add",
        "新厂区纯水系统",
        "--line",
        "JS-200:60@16000-5%/9800",
        "--line",
        "系统集成与调试:1@160000/90000",
        as_login="li",
    )
    demo.crm("quotes", "list", "新厂区纯水系统", as_login="li")
    demo.crm("quotes", "mark", "新厂区纯水系统", "2", "accepted", as_login="li")
    demo.crm(
        "projects",
        "cost",
        "新厂区纯水系统",
        "4200",
        "--kind",
        "expense",
        "--category",
        "差旅",
        as_login="li",
    )
    demo.crm(
        "tasks",
        "add",
        "新厂区纯水系统",
        "安排技术交流会",
        "--to",
        "li",
        "--due",
        "2026-11-20",
        as_login="sun",
    )
    demo.crm("projects", "show", "新厂区纯水系统", as_login="li")
    demo.crm("reminders", "--format", "csv", as_login="li")

    demo.title(
        "A quarter of projects (generated), then the project reports.",
        "一个季度的项目（生成数据），然后看项目报表。",
    )
    demo.crm("seed-demo", "--scale", "1", "--seed", "11")
    demo.crm("reports", "run", "pipeline", "-p", "by=owner", as_login="zhou")
    demo.crm("reports", "run", "pipeline", "-p", "by=month", "--format", "json", as_login="zhou")
    demo.crm("reports", "run", "win-loss", as_login="zhou")
    demo.crm("reports", "run", "stage-conversion", as_login="zhou")
    demo.crm("reports", "run", "project-profitability", "-p", "by=category", as_login="zhou")
    demo.crm("reports", "run", "project-monthly", "--format", "csv", as_login="sun")
    demo.crm("projects", "verify-files")


def channel_commerce_block(demo: Demo) -> None:
    demo.title(
        "Block 3: channel commerce for standard products through dealers.",
        "第 3 块：标准产品的渠道分销（经销商）。",
    )
    demo.crm("plugins", "enable", "channel_commerce")
    demo.crm("users", "grant", "zhou", "credit-controller")
    demo.crm("warehouses", "add", "HZ01", "--name", "杭州仓", "--region", "华东", as_login="wu")
    demo.crm("stock", "receive", "HZ01", "JS-100", "30", as_login="wu")
    demo.crm("stock", "receive", "HZ01", "LX-01", "500", as_login="wu")
    demo.crm(
        "customers",
        "add",
        "杭州润泽净水经销有限公司",
        "--kind",
        "agent",
        "--region",
        "华东",
        "--industry",
        "批发零售",
        as_login="chen",
    )
    demo.crm(
        "dealers",
        "add",
        "杭州润泽净水经销",
        "--level",
        "一级",
        "--credit-limit",
        "50000",
        "--contract",
        "2026-01-01:2026-12-31",
        as_login="wu",
    )
    demo.crm("plans", "set", "2026-11", "80000", "--dealer", "杭州润泽净水经销", as_login="wu")

    demo.title(
        "Orders reserve stock and consume credit; over the limit needs a credit controller.",
        "订单确认即预留库存、占用信用额度；超额需信用主管批准（留痕）。",
    )
    demo.crm(
        "dealer-orders",
        "add",
        "杭州润泽净水经销",
        "--warehouse",
        "HZ01",
        "--line",
        "JS-100:12",
        "--line",
        "LX-01:100",
        "--date",
        "2026-11-05",
        as_login="chen",
    )
    demo.crm("dealer-orders", "confirm", "DO20261105-0001", as_login="chen")
    demo.crm(
        "dealer-orders",
        "add",
        "杭州润泽净水经销",
        "--warehouse",
        "HZ01",
        "--line",
        "JS-100:20",
        "--date",
        "2026-11-06",
        as_login="chen",
    )
    demo.crm("dealer-orders", "confirm", "DO20261106-0001", as_login="chen", expect_error=True)
    demo.crm("stock", "receive", "HZ01", "JS-100", "10", as_login="wu")
    demo.crm("dealer-orders", "confirm", "DO20261106-0001", as_login="chen", expect_error=True)
    demo.crm(
        "dealer-orders",
        "confirm",
        "DO20261106-0001",
        "--override-credit",
        "双十一备货，月底回款",
        as_login="zhou",
    )
    demo.crm("dealer-orders", "ship", "DO20261105-0001", as_login="chen")
    demo.crm("dealer-orders", "pay", "DO20261105-0001", "20000", as_login="chen")
    demo.crm("dealers", "list", as_login="wu")
    demo.crm("stock", "list", "--warehouse", "HZ01", as_login="wu")
    demo.crm("stock", "adjust", "HZ01", "JS-100", "-2", "--reason", "盘点破损", as_login="wu")
    demo.crm("stock", "reconcile")

    demo.title("Marketing materials and the channel reports.", "营销物品发放与渠道报表。")
    demo.crm("materials", "add", "POS-HZ", "--name", "门店海报", "--kind", "poster", as_login="wu")
    demo.crm("materials", "receive", "POS-HZ", "100", as_login="wu")
    demo.crm(
        "materials",
        "issue",
        "POS-HZ",
        "杭州润泽净水经销",
        "30",
        "--campaign",
        "双十一",
        as_login="chen",
    )
    demo.crm("seed-demo", "--scale", "1", "--seed", "13")
    demo.crm("reports", "run", "plan-vs-actual", "-p", "period=2026-11", as_login="zhou")
    demo.crm(
        "reports",
        "run",
        "plan-vs-actual",
        "-p",
        "period=2026-11",
        "-p",
        "by=region",
        as_login="zhou",
    )
    demo.crm("reports", "run", "credit-exposure", as_login="zhou")
    demo.crm("reports", "run", "stock-movements", "--format", "csv", as_login="wu")
    demo.crm("reports", "run", "materials-issued", as_login="wu")
    demo.crm("customers", "show", "杭州润泽净水经销", as_login="chen")


BLOCKS: list[tuple[str, Callable[[Demo], None]]] = [
    ("customer_resources", customer_resources_block),
    ("project_sales", project_sales_block),
    ("channel_commerce", channel_commerce_block),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="database URL (default: demo-output/demo.db, recreated)")
    parser.add_argument("--lang", choices=("en", "zh"), help="language of messages and headers")
    args = parser.parse_args()
    if args.lang:
        os.environ["CRM_LANG"] = args.lang
    OUT.mkdir(exist_ok=True)
    db = args.db
    if db is None:
        path = OUT / "demo.db"
        for leftover in (path, path.with_suffix(".db-wal"), path.with_suffix(".db-shm")):
            leftover.unlink(missing_ok=True)
        db = f"sqlite:///{path}"
    demo = Demo(db)
    core_block(demo)
    for plugin_name, block in BLOCKS:
        if demo.installed(plugin_name):
            block(demo)
        else:
            print(f"\n(plugin {plugin_name} is not installed; skipping its block)")
    print(f"\nDone. Database: {db}; files in {OUT}.")
    if demo.failures:
        print(f"{demo.failures} step(s) did not behave as expected", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
