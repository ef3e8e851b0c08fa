"""Block 1 (10 days): the customer-resource platform for the sales department."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from crm_core.demo import sales_list
from crm_core.demo.runner import DemoRun

LIST_FILE = "销售部客户名单.xlsx"
VISIT_LOG = "销售部跟进记录.xlsx"
#: In the story, this block went live this many days ago.
GO_LIVE_DAYS_AGO = 100


def chapter(run: DemoRun) -> None:
    run.chapter(
        "Block 1 (10 days): the customer-resource platform for the sales department.",
        "第 1 块（10 天）：销售部的客户资源平台。",
    )
    run.step(
        "Enable the block: its tables, picklists and reports.", "启用模块：数据表、选项与报表。"
    )
    run.crm("plugins", "enable", "customer_resources", shows=["customer_resources"])
    run.crm("picklists", "list", "industry", shows=["制造业"])
    run.look(
        "`crm picklists list industry`: the values every import and form is checked against.",
        "`crm picklists list industry`：导入和录入都按这些选项校验。",
    )

    mine = _import_the_list(run)
    _daily_work(run, mine)
    _protection(run, mine)
    _a_salesperson_leaves(run)
    _worksheets(run)
    _orders_and_payments(run, mine)
    _the_gms_reports(run)


def _import_the_list(run: DemoRun) -> str:
    """Import the department's Excel list; returns the name of one of 李明's customers."""
    run.step(
        "Import the sales department's Excel customer list: good rows in, bad rows handed back.",
        "导入销售部的 Excel 客户名单：合格的行写入，有问题的行连同原因退回。",
    )
    listing = run.produced(sales_list.write(run.path(LIST_FILE)))
    rows = sales_list.rows(sales_list.LISTED)
    run.crm("import", "customers", str(listing), exit_code=3, shows=[str(sales_list.LISTED)])
    errors = run.produced(listing.with_name(listing.stem + ".errors.xlsx"))
    run.look(
        f"{errors.name}: the three refused rows, each with its reason, ready to fix and import "
        "again (exit code 3 means 'some rows refused').",
        f"{errors.name}：被拒的三行及原因，改好后可再次导入（退出码 3 表示部分行被拒）。",
    )
    mine = next(r[0] for r in rows if r[5] == "李明")
    run.crm("customers", "list", "--limit", "5", as_login="li", shows=[mine])
    return mine


def _daily_work(run: DemoRun, mine: str) -> None:
    run.step(
        "Daily work: a contact, a visit with the next contact date, the reminders.",
        "日常工作：联系人、拜访记录与下次联系日期、待办提醒。",
    )
    soon = run.today + timedelta(days=3)
    run.crm("contacts", "add", mine, "赵丽", "--title", "采购经理", as_login="li")
    run.crm(
        "interactions",
        "log",
        mine,
        "--kind",
        "visit",
        "--contact",
        "赵丽",
        "--notes",
        "现场演示，客户关注售后服务",
        "--next",
        f"{soon:%Y-%m-%d}",
        as_login="li",
    )
    run.crm("reminders", "--date", f"{soon:%Y-%m-%d}", as_login="li", shows=[mine])
    run.crm("customers", "show", mine, as_login="li", shows=["赵丽"])
    run.look(
        "`crm --as li reminders` each morning: follow-ups due, payments due, protection ending.",
        "每天早上 `crm --as li reminders`：到期的跟进、回款、即将到期的客户保护。",
    )


def _protection(run: DemoRun, mine: str) -> None:
    run.step(
        "Customer protection: a colleague cannot register a customer someone holds.",
        "客户保护：同事无法登记已有人负责的客户。",
    )
    run.crm("customers", "add", mine.removesuffix("有限公司"), as_login="lin", exit_code=1)
    run.crm(
        "customers", "add", "苏州清源环保设备有限公司", "--pool", "--industry", "制造业",
        "--region", "华东",
    )  # fmt: skip
    run.crm("customers", "claim", "苏州清源环保设备", as_login="li")
    run.crm("customers", "claim", "苏州清源环保设备", as_login="lin", exit_code=1)
    run.crm(
        "interactions", "log", "苏州清源环保设备", "--kind", "call", "--notes", "了解采购计划",
        as_login="li",
    )  # fmt: skip
    run.crm("customers", "level", "苏州清源环保设备", "qualified", as_login="li")
    run.look(
        "the refusals above: each names who holds the customer, and nothing was written.",
        "上面的拒绝信息：都指明了客户由谁负责，且没有写入任何数据。",
    )


def _a_salesperson_leaves(run: DemoRun) -> None:
    run.step(
        "王芳 leaves: her whole book moves to 李明 in one transaction, with the history.",
        "王芳离职：她的全部客户连同历史，一次事务移交给李明。",
    )
    run.crm(
        "customers", "transfer", "--from", "wang", "--to", "li", "--reason", "离职交接",
        as_login="sun",
    )  # fmt: skip
    run.crm(
        "customers", "list", "--owner", "wang", "--format", "json", as_login="sun", shows=["[]"]
    )
    run.crm("users", "change", "wang", "--inactive")
    run.look(
        "`crm customers show` on one of her customers: the ownership history keeps both names.",
        "对她的任一客户运行 `crm customers show`：归属历史里两个人的名字都在。",
    )


def _worksheets(run: DemoRun) -> None:
    run.step(
        "Salespeople who live in Excel: their leads go out as a worksheet, their notes come back.",
        "习惯用 Excel 的业务员：线索以工作表发出，跟进记录收回。",
    )
    sheets = run.path("worksheets")
    run.crm("worksheets", "issue", "--to", "li", str(sheets))
    if _fill_worksheet(sheets, run):
        run.crm("worksheets", "collect", str(sheets))
        run.crm("worksheets", "collect", str(sheets))  # a second time changes nothing
    run.look(
        f"{sheets.name}/: the worksheet 李明 filled in; collecting it twice logs nothing twice.",
        f"{sheets.name}/：李明填写的工作表；重复收回不会重复记录。",
    )


def _fill_worksheet(directory: Path, run: DemoRun) -> bool:
    """What the salesperson does in Excel: fill in the yellow columns of the first two lines."""
    from openpyxl import load_workbook

    files = sorted(directory.glob("*.xlsx"))
    if not files:
        run.failures.append("no worksheet was issued")
        return False
    run.produced(files[0])
    book = load_workbook(files[0])
    sheet = book.worksheets[0]
    sheet["H2"], sheet["I2"], sheet["J2"], sheet["K2"] = (
        f"{run.today - timedelta(days=1):%Y-%m-%d}",
        "拜访",
        "演示了新方案",
        "下周报价",
    )
    sheet["I3"], sheet["J3"], sheet["M3"] = "电话", "确认需求", "qualified"
    book.save(files[0])
    return True


def _orders_and_payments(run: DemoRun, mine: str) -> None:
    run.step(
        "The customer signs: an order with a payment plan, a payment, what is still owed.",
        "客户签约：带付款计划的订单、一笔回款、尚欠金额。",
    )
    signed = run.today - timedelta(days=83)
    output = run.crm(
        "orders", "add", "苏州清源环保设备", "--line", "JS-200:3", "--line", "LX-02:12@280",
        "--date", f"{signed:%Y-%m-%d}", "--installments", "3", "--every", "30", as_login="li",
    )  # fmt: skip
    found = re.search(r"SO\d{8}-\d{4}", output)
    if found is None:
        run.failures.append("the order's number was not shown")
        return
    number = found.group()
    paid = signed + timedelta(days=34)
    run.crm("orders", "pay", number, "10000", "--date", f"{paid:%Y-%m-%d}", as_login="li")
    run.crm("orders", "show", number, as_login="li", shows=[number])
    run.crm("orders", "pay", number, "999999", as_login="li", exit_code=1)
    run.crm("reminders", as_login="li", shows=[number])
    run.crm(
        "expenses", "add", "368.00", "--category", "travel", "--customer", mine,
        "--notes", "出差高铁", as_login="li",
    )  # fmt: skip
    run.look(
        "the dunning reminder above: the first instalment is overdue, with the amount owed.",
        "上面的催款提醒：第一期已逾期，并列出欠款金额。",
    )


def _the_gms_reports(run: DemoRun) -> None:
    run.step(
        "The first hundred days (generated): more customers, and the team's visit log imported.",
        "上线后的一百天（生成数据）：更多客户，导入团队的跟进记录。",
    )
    run.crm("seed-demo", "--scale", "1", "--seed", "7")
    went_live = run.today - timedelta(days=GO_LIVE_DAYS_AGO)
    # Up to yesterday: a visit at 15:00 today is still in the future at 01:00 (interactions
    # cannot be logged ahead), and the demo runs at any hour.
    yesterday = run.today - timedelta(days=1)
    log = run.produced(sales_list.visit_log(run.path(VISIT_LOG), went_live, yesterday))
    run.crm("import", "interactions", str(log))  # exit code 0: no row refused
    run.look(
        f"{log.name}: the visits and calls, denser week by week as the team takes to the CRM.",
        f"{log.name}：拜访与电话记录，随着团队用起来逐周变多。",
    )
    run.step("What the general manager looks at.", "总经理关心的报表。")
    since = run.today - timedelta(days=120)
    run.crm(
        "report", "run", "customer-development", "-p", "by=level",
        "-p", f"since={since:%Y-%m-%d}", as_login="zhou",
    )  # fmt: skip
    run.crm("report", "run", "sales", "-p", "by=salesperson", as_login="zhou", shows=["chen"])
    chart = run.writes(
        "sales-by-month.png", "report", "run", "sales", "-p", "by=month", "--format", "png",
        "-o", as_login="zhou",
    )  # fmt: skip
    page = run.writes(
        "receivables-ageing.html", "report", "run", "receivables-ageing", "-p", "by=salesperson",
        "--format", "html", "-o", as_login="zhou",
    )  # fmt: skip
    dashboard = run.writes("dashboard-zhou.html", "dashboard", "--as", "zhou")
    export = run.writes("customers-li.xlsx", "export", "customers", as_login="li")
    run.look(
        f"{chart.name} (sales by month), {page.name} and {dashboard.name} (the general "
        f"manager's page) in a browser; {export.name} is what 李明 may see, nothing more.",
        f"{chart.name}（月度销售额）、{page.name} 和 {dashboard.name}（总经理看板）；"
        f"{export.name} 是李明能看到的全部客户。",
    )
