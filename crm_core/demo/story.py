"""The story of `crm demo`: a company before its CRM, three blocks, and the rollout's verdict."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from crm_core.demo import block_channels, block_customers, block_projects
from crm_core.demo.runner import DemoRun

#: Each block: its plugin, and the chapter that rolls it out.
BLOCKS: tuple[tuple[str, Callable[[DemoRun], None]], ...] = (
    ("customer_resources", block_customers.chapter),
    ("project_sales", block_projects.chapter),
    ("channel_commerce", block_channels.chapter),
)

#: The rollout's dates as the story tells them: block 1 live 100 days ago, block 2 45 days ago.
GO_LIVE_DAYS_AGO = {
    "customer_resources": block_customers.GO_LIVE_DAYS_AGO,
    "project_sales": 45,
    "channel_commerce": 0,
}

#: Each block's goal: a title, and its indicators with their targets.
GOALS = {
    "customer_resources": (
        "每位业务员的客户都有人跟进 / every customer is followed up",
        {"contact-coverage": "50", "interactions-per-seller": "10"},
    ),
    "project_sales": (
        "大项目赢得更多 / win more key-account projects",
        {"win-rate": "40"},
    ),
    "channel_commerce": (
        "经销商按时回款 / dealers pay on time",
        {"dealer-overdue": "0", "dealer-orders-30d": "1000000"},
    ),
}


def tell(run: DemoRun) -> None:
    """The whole story; every step's failures are collected in `run.failures`."""
    before_the_crm(run)
    live: list[str] = []
    for plugin, chapter in BLOCKS:
        if run.installed(plugin):
            chapter(run)
            live.append(plugin)
        else:
            print(f"\n(plugin {plugin} is not installed: its block is skipped)", flush=True)
    the_verdict(run, live)
    run.finish()


def before_the_crm(run: DemoRun) -> None:
    run.chapter(
        "Before the CRM: one database for the company, its people and products.",
        "上线之前：公司一个数据库，建好组织、人员与产品。",
    )
    run.step("Create the deployment with its first admin.", "创建部署和第一位管理员。")
    run.crm("init", "--admin", "admin", "--admin-name", "系统管理员")
    run.look(
        f"{run.db}: one company, one database (SQLite here; PostgreSQL with --db).",
        f"{run.db}：一家公司一个数据库（此处为 SQLite；用 --db 可换成 PostgreSQL）。",
    )
    run.step(
        "The sales organisation and the product list (generated, fictional).",
        "销售组织与产品目录（生成的虚构数据）。",
    )
    run.crm("seed-demo", "--scale", "0")
    run.crm("teams", "list", shows=["上海一组"])
    run.crm("users", "list", shows=["李明", "周总监"])
    run.look(
        "who reports to whom: managers see their team's customers, salespeople their own.",
        "汇报关系：经理看到本团队的客户，业务员只看到自己的。",
    )
    run.step("Three blocks are installed; none is enabled yet.", "三个模块已安装，尚未启用。")
    run.crm("plugins", "list")
    run.look(
        "`crm plugins list`: installed is not enabled; each block is switched on when its "
        "department is ready.",
        "`crm plugins list`：安装不等于启用；哪个部门准备好了，就启用哪一块。",
    )


def the_verdict(run: DemoRun, live: list[str]) -> None:
    run.chapter(
        "The verdict: is each block paying off? Goals, snapshots, the 90/180-day marks.",
        "复盘：每一块是否见效？目标、快照、90 天与 180 天节点。",
    )
    run.step(
        "Record when each block went live (the story compresses months into minutes).",
        "记录各模块的上线日期（演示把几个月压缩成几分钟）。",
    )
    for plugin in live:
        day = run.today - timedelta(days=GO_LIVE_DAYS_AGO[plugin])
        run.crm("rollout", "go-live", plugin, f"{day:%Y-%m-%d}")
    run.look(
        "the 90-day mark (prove value) and the 180-day mark (pay back) count from these days.",
        "90 天（证明价值）与 180 天（见回报）两个节点从这些日期算起。",
    )
    run.step(
        "One goal per block, judged on at most three indicators.",
        "每块一个目标，最多用三个指标衡量。",
    )
    for plugin in live:
        title, targets = GOALS[plugin]
        options = [f"--indicator={name}" for name in targets]
        options += [f"--target={name}={value}" for name, value in targets.items()]
        run.crm("rollout", "goals", "add", plugin, title, *options)
    run.crm("rollout", "snapshot")
    run.look(
        "`crm rollout indicators`: every indicator the enabled blocks offer.",
        "`crm rollout indicators`：已启用模块提供的全部指标。",
    )
    run.step("Where each block stands today.", "各模块今天的状态。")
    run.crm("rollout", "status", shows=live)
    review = run.writes("rollout-review.html", "rollout", "report")
    run.look(
        f"{review.name} in a browser: what improved since go-live and what did not.",
        f"用浏览器打开 {review.name}：上线以来哪些指标改善了，哪些没有。",
    )
