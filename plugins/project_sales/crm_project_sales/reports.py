"""Project reports: monthly project report, pipeline and weighted forecast, win/loss by competitor,
stage conversion and cycle time, profitability. Aggregated in SQL over visible rows."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select, type_coerce
from sqlalchemy.orm import aliased

from crm_core.contract import Context
from crm_core.contract.access import PROBE_CUSTOMERS
from crm_core.contract.models import Customer, Team, User
from crm_core.contract.queries import among
from crm_core.contract.reports import (
    SINCE,
    UNTIL,
    Report,
    ReportTable,
    TeamOf,
    by_param,
    date_month,
    elapsed_days,
    first_rows,
    local_month,
    moment_window,
    rollup_ready,
    team_rollup_ready,
)
from crm_core.contract.tables import Money, money_average, table_of, to_money
from crm_project_sales.models import (
    DEFAULT_CATEGORY,
    Competitor,
    Deliverable,
    Project,
    Quote,
    Stage,
    StageChange,
)
from crm_project_sales.rollups import (
    PROJECTS_BY_STAGE,
    TEAM_PROJECTS_BY_STAGE,
    ProjectsByStage,
    TeamProjectsByStage,
)
from crm_project_sales.services import money, pipeline


def stage_join(
    ctx: Context, category: Any = Project.category, stage_code: Any = Project.stage_code
) -> Any:
    """Join condition: the row's stage in its category's pipeline (or the default one).

    The categories with a pipeline of their own are read once (a handful of rows) instead of
    being looked up in the stage table for every project."""
    own = sorted(set(ctx.session.scalars(select(Stage.category).distinct())))
    return and_(
        Stage.code == stage_code,
        Stage.category == case((category.in_(own), category), else_=literal(DEFAULT_CATEGORY)),
    )


def monthly(ctx: Context, params: Mapping[str, Any]) -> ReportTable:
    """Per open project (and projects closed in the window): stage, days in stage, deliverables of
    the current gate done/missing, amount, expected close, expenses, margin."""
    now = ctx.now()

    def best_quote(column: Any) -> Any:
        """The accepted quote's value, else the newest version's."""
        return (
            select(column)
            .where(Quote.project_id == Project.id)
            .order_by(case((Quote.status == "accepted", 0), else_=1), Quote.version.desc())
            .limit(1)
            .correlate(Project)
            .scalar_subquery()
        )

    # Columns, not Project objects: building 35,635 ORM instances for a top manager's list
    # cost as much as the statement. The customers' names come after, by id: joined here,
    # they and the visibility rule made PostgreSQL hash the million customers twice.
    query = (
        select(
            Project.id,
            Project.name,
            Project.category,
            Project.stage_code,
            Project.stage_entered_at,
            Project.expected_amount,
            Project.expected_close,
            Project.contract_amount,
            Project.customer_id,
            User.login,
            money.goods_cost(best_quote(Quote.cost)),
            money.booked("cost"),
            money.booked("expense"),
            best_quote(Quote.total),
        )
        .join(User, User.id == Project.owner_id)
        .order_by(Project.expected_close, Project.id)
    )
    if params.get("since"):
        query = query.where(
            or_(
                Project.closed_at.is_(None),
                Project.closed_at >= datetime.combine(params["since"], time.min, ctx.zone),
            )
        )
    else:
        query = query.where(Project.closed_at.is_(None))
    # Each project's customer checked by one key lookup: the projects are far fewer than the
    # customers a manager sees.
    rows = ctx.session.execute(first_rows(query), execution_options={PROBE_CUSTOMERS: True}).all()
    customers = _names_of(ctx, Customer, {row[8] for row in rows})
    # The deliverables each stage of each category needs, looked up once per stage.
    gates: dict[tuple[str, str], list[str]] = {}
    for category in {row[2] for row in rows}:
        for requirement in pipeline.requirements(ctx, category):
            gates.setdefault((category, requirement.stage_code), []).append(requirement.deliverable)
    present: dict[int, set[tuple[str, str]]] = {}
    ids = [row[0] for row in rows]
    for start in range(0, len(ids), _CHUNK):
        for pid, stage, code in ctx.session.execute(
            select(Deliverable.project_id, Deliverable.stage_code, Deliverable.deliverable).where(
                among(ctx.session, Deliverable.project_id, ids[start : start + _CHUNK])
            )
        ):
            present.setdefault(pid, set()).add((stage, code))
    table = []
    for (
        project_id,
        name,
        category,
        stage,
        stage_entered_at,
        expected_amount,
        expected_close,
        contract_amount,
        customer_id,
        owner,
        goods,
        costs,
        expenses,
        quoted,
    ) in rows:
        needed = gates.get((category, stage), [])
        handed_in = present.get(project_id, _NONE)
        done = [d for d in needed if (stage, d) in handed_in]
        # Amounts read as Money are cents already.
        revenue = contract_amount if contract_amount is not None else quoted or _ZERO
        table.append(
            (
                project_id,
                name,
                customers.get(customer_id),
                owner,
                stage,
                (now - stage_entered_at).days,
                f"{len(done)}/{len(needed)}",
                ", ".join(d for d in needed if d not in done),
                expected_amount,
                expected_close.isoformat(),
                expenses,
                revenue - goods - costs - expenses,
            )
        )
    return ReportTable(
        (
            "id",
            "project",
            "customer",
            "owner",
            "stage",
            "days_in_stage",
            "deliverables",
            "missing",
            "amount",
            "expected_close",
            "expenses",
            "margin",
        ),
        table,
    )


_ZERO = Decimal("0.00")
_NONE: frozenset[tuple[str, str]] = frozenset()

#: Ids per statement of a lookup by id, each chunk sent as one array on PostgreSQL (`among`), so
#: tens of thousands of open projects take a few statements.
_CHUNK = 10_000


def _names_of(ctx: Context, model: Any, ids: set[int]) -> dict[int, str]:
    """The names of the rows of `model` with these ids (those the user may see)."""
    ordered = sorted(ids)
    names: dict[int, str] = {}
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        query = select(model.id, model.name).where(among(ctx.session, model.id, chunk))
        names.update((id_, name) for id_, name in ctx.session.execute(query))
    return names


FORECAST_BY = ("month", "owner", "team", "category")


def pipeline_forecast(ctx: Context, params: Mapping[str, Any]) -> ReportTable:
    """Open projects: count, expected amount, and amount weighted by the stage's win probability.

    The weighted amount is exact: the sum of amount x probability in cents and percent, divided
    once at the end (per project or per rollup row, the same figure)."""
    by = params["by"]
    source: Any
    if by != "owner" and team_rollup_ready(ctx, TEAM_PROJECTS_BY_STAGE):
        return _pipeline_per_team(ctx, by)
    rolled_up = rollup_ready(ctx, PROJECTS_BY_STAGE)
    if rolled_up and ctx.session.get_bind().dialect.name == "postgresql":
        # Summed per stage first (hashed), then joined to the few stages: a top manager reads
        # 46,000 rollup rows, which the join alone leads PostgreSQL to sort. SQLite joins each
        # row to its stage faster than it builds the sums first.
        row = ProjectsByStage
        keys = [
            row.month,
            row.category,
            row.stage_code,
            *([row.seller_id] if by in ("owner", "team") else []),
        ]
        source = (
            select(
                *keys,
                func.sum(row.projects).label("projects"),
                func.sum(row.amount).label("amount"),
            )
            .group_by(*keys)
            .subquery()
        )
        category, stage, amount = source.c.category, source.c.stage_code, source.c.amount
        seller = source.c.seller_id if by in ("owner", "team") else None
        month: Any = source.c.month
        count: Any = func.sum(source.c.projects)
    elif rolled_up:
        source = row = ProjectsByStage
        category, stage, seller, amount = row.category, row.stage_code, row.seller_id, row.amount
        month = row.month
        count = func.sum(row.projects)
    else:
        source = Project
        category, stage, seller = Project.category, Project.stage_code, Project.owner_id
        amount, month = Project.expected_amount, date_month(Project.expected_close)
        count = func.count(Project.id)
    # By team: per seller first (joined like the owner's login: grouping by the bare seller
    # column leads SQLite to scan the rollup once per stage), then per seller's team.
    key: Any = {"month": month, "owner": User.login, "team": User.id, "category": category}
    key = key[by].label("seller_id" if by == "team" else by)
    percent = type_coerce(func.sum(amount * Stage.probability), Money())
    query = (
        select(key, count.label("n"), func.sum(amount).label("a"), percent.label("w"))
        .select_from(source)
        .join(Stage, stage_join(ctx, category, stage))
        .where(Stage.outcome == "open")
        .group_by(key)
        .order_by(key)
    )
    if by in ("owner", "team"):
        query = query.join(User, User.id == seller)
    if by == "team":
        sellers = query.order_by(None).subquery()
        team = TeamOf(sellers.c.seller_id)
        name = team.name.label(by)
        summed = [func.sum(sellers.c[c]) for c in ("n", "a")]
        weighted = type_coerce(func.sum(sellers.c.w), Money())
        query = team.joined(select(name, *summed, weighted).select_from(sellers))
        query = query.group_by(name).order_by(name)
    return _forecast(ctx, by, query)


def _pipeline_per_team(ctx: Context, by: str) -> ReportTable:
    """The pipeline from the totals per team (decision 0025): a top manager's 46,000 rollup
    rows are a few thousand here; the same figures as per person."""
    row = TeamProjectsByStage
    # Summed per stage first: the stage's probability then multiplies a few hundred sums,
    # not every team's row.
    keys: list[Any] = [row.month, row.category, row.stage_code]
    if by == "team":
        keys.append(row.seller_team_id)
    per_stage = (
        select(*keys, func.sum(row.projects).label("n"), func.sum(row.amount).label("a"))
        .group_by(*keys)
        .subquery()
    )
    team = aliased(Team, name="seller_team")
    column = {"month": per_stage.c.month, "category": per_stage.c.category, "team": team.name}
    key: Any = column[by].label(by)
    percent = type_coerce(func.sum(per_stage.c.a * Stage.probability), Money())
    query = (
        select(key, func.sum(per_stage.c.n), func.sum(per_stage.c.a), percent)
        .select_from(per_stage)
        .join(Stage, stage_join(ctx, per_stage.c.category, per_stage.c.stage_code))
        .where(Stage.outcome == "open")
        .group_by(key)
        .order_by(key)
    )
    if by == "team":
        query = query.outerjoin(team, team.id == per_stage.c.seller_team_id)
    return _forecast(ctx, by, query)


def _forecast(ctx: Context, by: str, query: Any) -> ReportTable:
    """The pipeline's table from its query (key, projects, amount, weighted in percent)."""
    return ReportTable(
        (by, "projects", "amount", "weighted"),
        [
            (k, int(n), to_money(a), to_money(Decimal(w) / 100))
            for k, n, a, w in ctx.session.execute(query)
        ],
    )


def win_loss(ctx: Context, params: Mapping[str, Any]) -> ReportTable:
    """Closed projects per competitor met: won, lost, win rate, their average quoted price."""
    rival = table_of(Customer).alias("rival")  # competitor names are shared knowledge
    won = func.sum(case((Stage.outcome == "won", 1), else_=0))
    lost = func.sum(case((Stage.outcome == "lost", 1), else_=0))
    query = (
        select(rival.c.name, won, lost, money_average(Competitor.quoted_price))
        .select_from(Competitor)
        .join(Project, Project.id == Competitor.project_id)
        .join(Stage, stage_join(ctx))
        .join(rival, rival.c.id == Competitor.competitor_id)
        .where(Stage.outcome != "open", rival.c.kind == "competitor")
        .group_by(rival.c.name)
        .order_by(rival.c.name)
    )
    rows = []
    for name, n_won, n_lost, price in ctx.session.execute(query):
        total = int(n_won) + int(n_lost)
        rate = (Decimal(int(n_won) * 100) / total).quantize(Decimal("0.1")) if total else None
        rows.append(
            (name, int(n_won), int(n_lost), rate, to_money(price) if price is not None else None)
        )
    return ReportTable(("competitor", "won", "lost", "win_rate_pct", "avg_quoted_price"), rows)


def stage_conversion(ctx: Context, params: Mapping[str, Any]) -> ReportTable:
    """Per stage: projects that entered it, that moved on to a later stage, conversion, and average
    days spent in it; plus the average cycle time of won projects."""
    following = func.lead(StageChange.at).over(
        partition_by=StageChange.project_id, order_by=(StageChange.at, StageChange.id)
    )
    next_stage = func.lead(StageChange.to_stage).over(
        partition_by=StageChange.project_id, order_by=(StageChange.at, StageChange.id)
    )
    steps = (
        select(
            StageChange.project_id,
            StageChange.to_stage.label("stage"),
            StageChange.at.label("entered"),
            following.label("left"),
            next_stage.label("next_stage"),
        )
        .where(StageChange.to_stage.is_not(None))
        .subquery()
    )
    entered = func.count(func.distinct(steps.c.project_id))
    moved_on = func.count(
        func.distinct(case((steps.c.next_stage.is_not(None), steps.c.project_id)))
    )
    days = func.avg(elapsed_days(steps.c.entered, steps.c.left))
    query = select(steps.c.stage, entered, moved_on, days).group_by(steps.c.stage)
    order = {s.code: s.seq for s in pipeline.stages(ctx, DEFAULT_CATEGORY)}
    rows: list[tuple[Any, ...]] = []
    for stage, n_in, n_on, avg_days in sorted(
        ctx.session.execute(query), key=lambda r: (order.get(r[0], 99), r[0])
    ):
        rate = (Decimal(int(n_on) * 100) / int(n_in)).quantize(Decimal("0.1")) if n_in else None
        rows.append(
            (
                stage,
                int(n_in),
                int(n_on),
                rate,
                round(float(avg_days), 1) if avg_days is not None else None,
            )
        )
    won_stage = aliased(Stage)
    cycle = ctx.session.scalar(
        select(func.avg(elapsed_days(Project.created_at, Project.closed_at))).join(
            won_stage, and_(won_stage.code == Project.stage_code, won_stage.outcome == "won")
        ),
        # The won projects' customers one lookup each, not a hash of every visible customer.
        execution_options={PROBE_CUSTOMERS: True},
    )
    rows.append(
        (
            "(won: days from open to close)",
            None,
            None,
            None,
            round(float(cycle), 1) if cycle else None,
        )
    )
    return ReportTable(("stage", "entered", "moved_on", "conversion_pct", "avg_days"), rows)


PROFIT_BY = ("customer", "category", "month", "owner", "team")


def profitability(ctx: Context, params: Mapping[str, Any]) -> ReportTable:
    """Won projects: contract amount, cost of goods, other costs, expenses, profit and margin, by
    customer/category/period. Profit = contract - cost of goods (booked, else the accepted quote's
    cost) - other costs - expenses (crm_project_sales.services.money)."""
    team = TeamOf(Project.owner_id)
    key: Any = {
        "customer": Customer.name,
        "category": Project.category,
        "owner": User.login,
        "team": team.name,
        "month": local_month(Project.closed_at, str(ctx.settings.get("timezone"))),
    }[params["by"]].label(params["by"])
    window = moment_window(ctx, Project.closed_at, params)
    query = (
        select(
            key,
            func.count(Project.id),
            func.sum(Project.contract_amount),
            func.sum(money.goods_cost(money.accepted_quote_cost())),
            func.sum(money.booked("cost")),
            func.sum(money.booked("expense")),
        )
        .select_from(Project)
        .join(Stage, stage_join(ctx))
        .join(Customer, Customer.id == Project.customer_id)
        .join(User, User.id == Project.owner_id)
    )
    if params["by"] == "team":
        query = team.joined(query)
    query = query.where(Stage.outcome == "won", *window).group_by(key).order_by(key)
    rows = []
    for k, n, contract, goods, costs, expenses in ctx.session.execute(first_rows(query)):
        contract, goods, costs, expenses = (
            to_money(contract or 0),
            to_money(goods or 0),
            to_money(costs or 0),
            to_money(expenses or 0),
        )
        profit = contract - goods - costs - expenses
        margin = (profit * 100 / contract).quantize(Decimal("0.1")) if contract else None
        rows.append((k, int(n), contract, goods, costs, expenses, profit, margin))
    columns = (params["by"], "projects", "contract", "goods_cost", "costs", "expenses", "profit")
    return ReportTable((*columns, "margin_pct"), rows)


def register_all(register: Callable[[Report], None]) -> None:
    register(
        Report("project-monthly", "Monthly project report", monthly, (SINCE,), title_zh="项目月报")
    )
    register(
        Report(
            "pipeline",
            "Pipeline and weighted forecast",
            pipeline_forecast,
            (by_param(FORECAST_BY, "month"),),
            plots=("amount", "weighted"),
            about=(
                "Open projects: their expected amount, and the amount weighted by the "
                "probability of their stage."
            ),
            about_zh="未结项目：预计金额，以及按所处阶段的赢单概率加权的金额。",
            title_zh="销售漏斗与加权预测",
            dashboard=("admin", "manager", "sales"),
        )
    )
    register(
        Report("win-loss", "Win/loss by competitor", win_loss, (), title_zh="竞争对手输赢分析")
    )
    register(
        Report(
            "stage-conversion",
            "Stage conversion and cycle time",
            stage_conversion,
            (),
            title_zh="阶段转化率与周期",
        )
    )
    register(
        Report(
            "project-profitability",
            "Project profitability",
            profitability,
            (by_param(PROFIT_BY, "customer"), SINCE, UNTIL),
            plots=("contract", "profit"),
            about=(
                "Won projects, by when they closed. Profit = contract amount - cost of goods - "
                "other costs - expenses. The cost of goods is what was booked as goods "
                "(projects cost --kind goods) once there is any, and until then the accepted "
                "quote's cost (unit cost x quantity of its lines); other costs (--kind cost) and "
                "expenses (--kind expense) are what was booked. margin_pct = profit / contract."
            ),
            about_zh=(
                "已赢单项目，按成交时间统计。利润 = 合同金额 − 货物成本 − 其他成本 − 费用。货物成本：一旦登记了货物成本"
                "（projects cost --kind goods）即取登记数，此前取已接受报价的成本（各行单位成本 × 数量）；其他成本"
                "（--kind cost）和费用（--kind expense）取登记数。margin_pct = 利润 / 合同金额。"
            ),
            title_zh="项目盈利分析",
        )
    )
