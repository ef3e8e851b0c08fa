"""Block 2 (15 days): sales-project management for the key-account department, on block 1's data."""

from __future__ import annotations

from datetime import timedelta

from crm_core.demo.runner import DemoRun

PROJECT = "新厂区纯水系统"
CUSTOMER = "苏州清源环保设备"


def chapter(run: DemoRun) -> None:
    run.chapter(
        "Block 2 (15 days): sales projects for the key-account department, on block 1's data.",
        "第 2 块（15 天）：大客户部的销售项目管理，直接使用第 1 块已有的客户数据。",
    )
    run.step(
        "Enable the block; the pipeline and its stage gates come with it.",
        "启用模块；销售阶段与阶段关卡随之就绪。",
    )
    run.crm("plugins", "enable", "project_sales", shows=["project_sales"])
    run.crm("config", "set", "project_sales.file_store", str(run.path("project-files")))
    run.crm("pipeline", "show", "--category", "engineering")
    run.look(
        "each stage's probability and the deliverables its gate asks for.",
        "每个阶段的赢单概率，以及关卡要求的交付物。",
    )
    _a_key_account_project(run)
    _stage_gates(run)
    _decision_tree_and_quotes(run)
    _the_monthly_report(run)


def _a_key_account_project(run: DemoRun) -> None:
    run.step("A key-account project for a customer block 1 signed.", "为第 1 块签约的客户立项。")
    run.crm("customers", "add", "碧波水处理设备有限公司", "--kind", "competitor", "--pool")
    run.crm("contacts", "add", CUSTOMER, "周总", "--title", "总经理", as_login="li")
    run.crm("contacts", "add", CUSTOMER, "吴工", "--title", "设备部经理", as_login="li")
    close = run.today + timedelta(days=120)
    run.crm(
        "projects", "add", CUSTOMER, PROJECT, "--amount", "1200000",
        "--close", f"{close:%Y-%m-%d}", "--category", "engineering", as_login="li",
    )  # fmt: skip
    run.crm("projects", "advance", PROJECT, as_login="li")
    run.look(
        "the project starts on a customer block 1 already knows: no data entered twice.",
        "项目建立在第 1 块已有的客户上：数据不重复录入。",
    )


def _stage_gates(run: DemoRun) -> None:
    run.step(
        "Stage gates: the project moves on only when the stage's deliverables are in.",
        "阶段关卡：本阶段交付物齐全，项目才能进入下一阶段。",
    )
    run.crm("projects", "advance", PROJECT, as_login="li", exit_code=1, shows=["budget"])
    run.crm(
        "projects", "deliver", PROJECT, "budget",
        "--record", '{"amount": "1200000", "approved_by": "周总"}', as_login="li",
    )  # fmt: skip
    run.crm("projects", "advance", PROJECT, as_login="li")
    plan = run.path("设计方案-新厂区纯水系统.txt")
    plan.write_text(
        "新厂区纯水系统设计方案（演示）：两级反渗透 + EDI，产水 20 吨/小时。\n", "utf-8"
    )
    photos = run.path("现场照片-新厂区.txt")
    photos.write_text("现场照片清单（演示）：水源、机房、管廊。\n", encoding="utf-8")
    run.crm("projects", "deliver", PROJECT, "design_plan", "--file", str(plan), as_login="li")
    run.crm("projects", "advance", PROJECT, as_login="li", exit_code=1, shows=["site_photos"])
    run.crm("projects", "deliver", PROJECT, "site_photos", "--file", str(photos), as_login="li")
    run.crm("projects", "advance", PROJECT, as_login="li")
    run.look(
        f"{run.path('project-files').name}/: the delivered files, stored by content hash and "
        "checked by `crm projects verify-files`.",
        f"{run.path('project-files').name}/：交付的文件按内容哈希保存，可用 "
        "`crm projects verify-files` 校验。",
    )


def _decision_tree_and_quotes(run: DemoRun) -> None:
    run.step(
        "Who decides, who competes, and quotes in versions with their margin.",
        "谁拍板、谁在竞争、多版本报价及毛利。",
    )
    run.crm(
        "projects", "person", PROJECT, "周总", "--role", "decision_maker",
        "--attitude", "neutral", as_login="li",
    )  # fmt: skip
    run.crm(
        "projects", "person", PROJECT, "吴工", "--role", "technical_evaluator",
        "--attitude", "supporter", "--reports-to", "周总", as_login="li",
    )  # fmt: skip
    run.crm("projects", "tree", PROJECT, as_login="li", shows=["周总", "吴工"])
    run.crm(
        "projects", "competitor", PROJECT, "碧波水处理设备", "--strengths", "本地服务快",
        "--weaknesses", "无 EDI 经验", "--price", "1050000", as_login="li",
    )  # fmt: skip
    run.crm(
        "quotes", "add", PROJECT, "--line", "JS-200:60@16000/9800",
        "--line", "系统集成与调试:1@180000/90000", as_login="li",
    )  # fmt: skip
    run.crm(
        "quotes", "add", PROJECT, "--line", "JS-200:60@16000-5%/9800",
        "--line", "系统集成与调试:1@160000/90000", as_login="li",
    )  # fmt: skip
    run.crm("quotes", "list", PROJECT, as_login="li")
    run.crm("quotes", "mark", PROJECT, "2", "accepted", as_login="li")
    due = run.today + timedelta(days=2)
    run.crm(
        "tasks", "add", PROJECT, "安排技术交流会", "--to", "li", "--due", f"{due:%Y-%m-%d}",
        as_login="sun",
    )  # fmt: skip
    run.crm("projects", "show", PROJECT, as_login="li", shows=[PROJECT])
    run.look(
        "`crm projects show`: stage, deliverables, decision tree, competitors, quotes, margin.",
        "`crm projects show`：阶段、交付物、决策树、竞争对手、报价与毛利。",
    )


def _the_monthly_report(run: DemoRun) -> None:
    run.step(
        "A quarter of projects (generated), then the monthly project report.",
        "一个季度的项目（生成数据），然后看项目月报。",
    )
    run.crm("seed-demo", "--scale", "1", "--seed", "11")
    run.crm("report", "run", "pipeline", "-p", "by=owner", as_login="zhou")
    run.crm("report", "run", "win-loss", as_login="zhou")
    monthly = run.writes(
        "project-monthly.xlsx", "report", "run", "project-monthly", "--format", "xlsx", "-o",
        as_login="sun",
    )  # fmt: skip
    funnel = run.writes(
        "stage-conversion.html", "report", "run", "stage-conversion", "--format", "html", "-o",
        as_login="zhou",
    )  # fmt: skip
    run.crm("projects", "verify-files")
    run.look(
        f"{monthly.name} (the monthly project report for 孙组长's team) and {funnel.name} "
        "(how projects move from stage to stage).",
        f"{monthly.name}（孙组长团队的项目月报）与 {funnel.name}（各阶段转化）。",
    )
