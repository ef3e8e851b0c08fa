"""Decision-support reports (决策支持), aggregated in SQL over the rows the user may see."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any

import attrs
from sqlalchemy import Integer, and_, case, cast, func, literal, or_, select, type_coerce, union_all
from sqlalchemy.orm import aliased

from crm_core.contract import Context, ValidationError
from crm_core.contract.access import teams_managed_by
from crm_core.contract.models import Customer, Interaction, Product, Team, User
from crm_core.contract.queries import among
from crm_core.contract.reports import (
    LOGGED_BY,
    SINCE,
    UNTIL,
    MonthSplit,
    Report,
    ReportParam,
    ReportTable,
    TeamOf,
    any_bits,
    by_param,
    count_bits,
    date_month,
    date_window,
    day_key_window,
    dimensions,
    first_rows,
    first_rows_bound,
    first_rows_by_key,
    last_days,
    last_months,
    local_day,
    logged_by_filter,
    moment_window,
    month_key_terms,
    month_key_window,
    month_split,
    month_split_nearer,
    on_days,
    parse_date,
    plain_rows,
    rollup_ready,
    team_rollup_ready,
)
from crm_core.contract.rollups import (
    INTERACTIONS_BY_DAY,
    INTERACTIONS_BY_MONTH,
    TEAM_INTERACTIONS_BY_DAY,
    InteractionsByDay,
    InteractionsByMonth,
    Spec,
    TeamInteractionsByDay,
)
from crm_core.contract.tables import Money, money_sum, to_money
from crm_customer_resources.development import DEVELOPMENT_BY, customer_development
from crm_customer_resources.models import (
    Expense,
    Installment,
    Order,
    OrderLine,
    Payment,
)
from crm_customer_resources.models.rollups import (
    OWED_BY_CUSTOMER,
    OWED_BY_DUE_DAY,
    OWED_BY_DUE_MONTH,
    OWED_BY_SELLER,
    RECEIPTS_ROLLUPS,
    SALES_BY_PRODUCT,
    SALES_ROLLUPS,
    TEAM_OWED_BY_DUE_DAY,
    TEAM_OWED_BY_DUE_MONTH,
    TEAM_OWED_BY_SELLER,
    TEAM_SALES_BY_PRODUCT,
    TEAM_SALES_ROLLUPS,
    OwedByCustomer,
    OwedByDueDay,
    OwedByDueMonth,
    OwedBySeller,
    SalesByProduct,
    TeamOwedByDueDay,
    TeamOwedByDueMonth,
    TeamOwedBySeller,
    TeamSalesByProduct,
)


def _zone(ctx: Context) -> str:
    return str(ctx.settings.get("timezone"))


# -- sales and receipts ------------------------------------------------------------------------

SALES_BY = ("month", "customer", "industry", "region", "salesperson", "team", "product")

#: An order's team: its salesperson's.
_ORDER_TEAM = TeamOf(Order.owner_id)


def _order_dimension(by: str) -> Any:
    return {
        "month": date_month(Order.ordered_on),
        "customer": Customer.name,
        "industry": Customer.industry,
        "region": Customer.region,
        "salesperson": User.login,
        "team": _ORDER_TEAM.name,
    }[by]


def _order_joins(query: Any, dims: list[str], customer: Any = Order.customer_id) -> Any:
    """`query` over orders joined to what `dims` read (the customer by `customer`), and nothing
    else: a million orders cost a lookup each per join."""
    if {"customer", "industry", "region"} & set(dims):
        query = query.join(Customer, Customer.id == customer)
    if "salesperson" in dims:
        query = query.outerjoin(User, User.id == Order.owner_id)
    if "team" in dims:
        query = _ORDER_TEAM.joined(query)
    return query


def sales(ctx: Context, params: Mapping[str, Any]) -> ReportTable:
    """Ordered amounts (cancelled orders excluded), attributed to the salesperson who sold."""
    by = params["by"]
    window = [*date_window(Order.ordered_on, params), Order.status != "cancelled"]
    dims = dimensions(by)
    if "product" in dims and len(dims) > 1:
        raise ValidationError("sales by product cannot be combined with other dimensions")
    if by == "product":
        rolled = _sales_by_product_rolled_up(ctx, params)
        if rolled is not None:
            return rolled
        key = Product.code.label("product")
        product_query = (
            select(key, Product.name, func.sum(OrderLine.quantity), func.sum(OrderLine.amount))
            .select_from(OrderLine)
            .join(Order, Order.id == OrderLine.order_id)
            .join(Product, Product.id == OrderLine.product_id)
            .where(*window)
            .group_by(key, Product.name)
            .order_by(func.sum(OrderLine.amount).desc(), key)
        )
        rows = [
            (code, name, int(qty), to_money(amount))
            for code, name, qty, amount in ctx.session.execute(product_query)
        ]
        return ReportTable(("product", "name", "quantity", "amount"), rows)
    rolled_up = _sales_rollup(ctx, dims)
    months = None if rolled_up is None else month_key_window(rolled_up.month, params)
    if rolled_up is not None and months is not None:
        return _sales_rolled_up(ctx, rolled_up, dims, months)
    split = month_split_nearer(params.get("since"), params.get("until"))
    if split is not None:  # whole months from a rollup, the days around from the rows
        rolled = _sales_around_months(ctx, dims, split)
        if rolled is not None:
            return rolled
    keys = [_order_dimension(dim).label(dim) for dim in dims]
    amount = money_sum(Order.total)
    query = select(*keys, func.count(Order.id), amount).select_from(Order)
    query = _order_joins(query, dims).where(*window).group_by(*keys)
    # By customer alone: the largest customers first (the case study's key-account analysis).
    query = query.order_by(amount.desc(), *keys) if dims == ["customer"] else query.order_by(*keys)
    # The sums are typed Money, so they arrive as exact cents: no per-row rounding (a
    # month x salesperson x industry grouping has 400,000 rows).
    return ReportTable((*dims, "orders", "amount"), plain_rows(ctx, first_rows(query)))


def _sales_rollup(ctx: Context, dims: list[str]) -> Any | None:
    """The smallest ready sales rollup that holds `dims`: per team for an actor who sees whole
    teams (a top manager's month, team and industry: a row per team, not per person), else per
    person; None when none is ready."""
    for totals, team_model, team_covered in TEAM_SALES_ROLLUPS:
        if team_covered >= set(dims) and team_rollup_ready(ctx, totals):
            return team_model
    for rollup, model, covered in SALES_ROLLUPS:
        if covered >= set(dims) and rollup_ready(ctx, rollup):
            return model
    return None


def _sales_around_months(ctx: Context, dims: list[str], split: MonthSplit) -> ReportTable | None:
    """Sales over a window that splits months: its whole months from the smallest rollup that
    holds `dims`, the days around them from the orders (a year from the 3rd of January reads
    thirteen months of totals less two days of orders, not a year of orders); None when no such
    rollup is ready."""
    row = _sales_rollup(ctx, dims)
    if row is None:
        return None
    orders = functools.partial(_orders_around, by_team=hasattr(row, "salesperson_team_id"))
    months = month_key_terms(row.month, split.months)
    return _from_monthly_rollup(ctx, row, dims, months, row.orders, _days_of(orders, split))


def _days_of(rows: Callable[..., Any], split: MonthSplit) -> Callable[[list[str]], Any]:
    """The days of `split` around its whole months for `_from_monthly_rollup`: `rows(keys,
    edges=...)` (a grouping with `n` and `amount`) over the days added, and negated over the
    days subtracted from the months read whole."""

    def around(keys: list[str]) -> Any:
        parts = [rows(keys, edges=split.added)] if split.added else []
        if split.removed:
            less = rows(keys, edges=split.removed).subquery()
            negated = [(-less.c.n).label("n"), (-less.c.amount).label("amount")]
            parts.append(select(*(less.c[key] for key in keys), *negated))
        if len(parts) == 1:
            return parts[0]
        both = union_all(*parts).subquery()  # a plain SELECT: SQLite nests no compound
        return select(*both.c)

    return around


def _orders_around(keys: list[str], edges: list[Any], by_team: bool) -> Any:
    """The orders (not cancelled) of the days `edges`, summed as the sales rollups hold them:
    `keys` of month, industry, region and person (the salesperson, or with `by_team` their
    team), the orders as `n` and their `amount`."""
    seller = aliased(User, name="crm_seller")
    columns = {
        "month": date_month(Order.ordered_on),
        "industry": Customer.industry,
        "region": Customer.region,
        "person": seller.team_id if by_team else Order.owner_id,
    }
    picked: list[Any] = [columns[key].label(key) for key in keys]
    orders = cast(func.count(Order.id), Integer).label("n")  # as the rollup: sums stay ints
    query = select(*picked, orders, func.sum(Order.total).label("amount")).select_from(Order)
    if {"industry", "region"} & set(keys):
        query = query.join(Customer, Customer.id == Order.customer_id)
    if by_team and "person" in keys:
        query = query.outerjoin(seller, seller.id == Order.owner_id)
    days = on_days(Order.ordered_on, edges)
    return query.where(days, Order.status != "cancelled").group_by(*picked)


def _sales_by_product_rolled_up(ctx: Context, params: Mapping[str, Any]) -> ReportTable | None:
    """Sales per product from the order lines' monthly rollup (per team for admins and
    managers), or None when it is not ready or the window splits a month."""
    row: Any = SalesByProduct
    if team_rollup_ready(ctx, TEAM_SALES_BY_PRODUCT):
        row = TeamSalesByProduct
    elif not rollup_ready(ctx, SALES_BY_PRODUCT):
        return None
    months = month_key_window(row.month, params)
    source: Any = row
    product, lines, quantity, amount = row.product_id, row.lines, row.quantity, row.amount
    if months is None:  # a window that splits months: the days around them from the lines
        split = month_split_nearer(params.get("since"), params.get("until"))
        if split is None:
            return None
        rolled = select(product, lines, quantity, amount)
        parts = [rolled.where(*month_key_terms(row.month, split.months))]
        if split.added:
            parts.append(_lines_on(split.added, 1))
        if split.removed:
            parts.append(_lines_on(split.removed, -1))
        source = union_all(*parts).subquery()
        (product, lines, quantity, amount), months = source.c, []
    # Per product id first, then named: SQLite otherwise scanned the rollup once per product.
    per_product = (
        select(product, func.sum(quantity).label("quantity"), money_sum(amount).label("amount"))
        .select_from(source)
        .where(*months)
        .group_by(product)
        .having(func.sum(lines) != 0)  # all its lines on days subtracted
        .subquery()
    )
    query = (
        select(Product.code, Product.name, per_product.c.quantity, per_product.c.amount)
        .join(per_product, per_product.c.product_id == Product.id)
        .order_by(per_product.c.amount.desc(), Product.code)
    )
    return ReportTable(
        ("product", "name", "quantity", "amount"),
        [(code, name, int(qty), total) for code, name, qty, total in ctx.session.execute(query)],
    )


def _lines_on(days: list[tuple[date, date]], sign: int) -> Any:
    """The order lines (orders not cancelled) ordered on `days`, as the product rollup holds
    them: product, 1 line, quantity and amount, each times `sign` (-1: to subtract)."""
    return (
        select(
            OrderLine.product_id,
            literal(sign).label("lines"),
            (OrderLine.quantity * sign).label("quantity"),
            (OrderLine.amount * sign).label("amount"),
        )
        .join(Order, Order.id == OrderLine.order_id)
        .where(on_days(Order.ordered_on, days), Order.status != "cancelled")
    )


def _sales_rolled_up(ctx: Context, row: Any, dims: list[str], months: list[Any]) -> ReportTable:
    """The sales report from a monthly rollup: the same table, read from far fewer rows."""
    return _from_monthly_rollup(ctx, row, dims, months, row.orders)


def _from_monthly_rollup(
    ctx: Context,
    row: Any,
    dims: list[str],
    months: list[Any],
    count: Any,
    around: Callable[[list[str]], Any] | None = None,
) -> ReportTable:
    """`dims`, the sum of `count` and of `amount` over whole `months` of a sales or receipts
    rollup `row` (a person's dimensions from its salesperson, the others its own columns; the
    team from the salesperson's team in the totals per team).

    `around(keys)`: the same sums over the days around those months, from the source rows, for
    a window that splits months: a query of the named `keys` (month, industry, region, person:
    the salesperson, or in the totals per team their team), `n` and `amount`. Each part is named
    and grouped on its own and the two groupings summed, unless the rows are named per
    salesperson (as many groups as rows: the union is grouped once, 20 % faster on SQLite).
    Grouped together, PostgreSQL could not tell how few groups the union's rows make and
    sorted them all (a top manager's sales by month, team and industry: 330,000 rows, 1.85 s
    against 1.0 s in parts)."""
    per_team = hasattr(row, "salesperson_team_id")
    person = row.salesperson_team_id if per_team else getattr(row, "salesperson_id", None)
    keyed: dict[str, Any] = {"month": row.month, "industry": getattr(row, "industry", None)}
    keyed |= {"region": getattr(row, "region", None), "person": person}
    wanted = [key for key in keyed if key in dims or (key == "person" and _personal(dims))]
    if around is None:
        query = _named_sums(row, keyed, count, row.amount, dims, per_team).where(*months)
    elif "salesperson" in dims:
        rolled = select(*(keyed[key].label(key) for key in wanted), count.label("n"), row.amount)
        rows = union_all(rolled.where(*months), around(wanted)).subquery()
        query = _named_sums(rows, dict(rows.c), rows.c.n, rows.c.amount, dims, per_team)
        query = query.having(func.sum(rows.c.n) != 0)  # all its rows subtracted (`_days_of`)
    else:
        rolled = _named_sums(row, keyed, count, row.amount, dims, per_team).where(*months)
        days = around(wanted).subquery()
        named = _named_sums(days, dict(days.c), days.c.n, days.c.amount, dims, per_team)
        both = union_all(rolled, named).subquery()
        keys = [both.c[dim] for dim in dims]
        sums = [cast(func.sum(both.c.n), Integer), money_sum(both.c.amount)]
        query = select(*keys, *sums).group_by(*keys).having(func.sum(both.c.n) != 0)
    query = query.order_by(*list(query.selected_columns)[: len(dims)])
    return ReportTable((*dims, count.key, "amount"), plain_rows(ctx, first_rows(query)))


def _named_sums(
    source: Any, keyed: dict[str, Any], n: Any, amount: Any, dims: list[str], per_team: bool
) -> Any:
    """`dims` named from the `keyed` columns of `source` (the salesperson's login, their
    team's name), with the sums of `n` (as `n`, a whole number) and `amount`, grouped."""
    team = TeamOf(keyed.get("person"))
    seller_team = aliased(Team, name="seller_team")
    columns: dict[str, Any] = {
        "month": keyed.get("month"),
        "industry": keyed.get("industry"),
        "region": keyed.get("region"),
        "salesperson": User.login,
        "team": seller_team.name if per_team else team.name,
    }
    keys = [columns[dim].label(dim) for dim in dims]
    sums = [cast(func.sum(n), Integer).label("n"), money_sum(amount).label("amount")]
    query: Any = select(*keys, *sums).select_from(source)
    if "salesperson" in dims:
        query = query.outerjoin(User, User.id == keyed["person"])
    if "team" in dims and per_team:
        query = query.outerjoin(seller_team, seller_team.id == keyed["person"])
    elif "team" in dims:
        query = team.joined(query)
    return query.group_by(*keys)


def _personal(dims: list[str]) -> bool:
    return bool({"salesperson", "team"} & set(dims))


RECEIPTS_BY = ("month", "industry", "region", "salesperson", "team")


def receipts(ctx: Context, params: Mapping[str, Any]) -> ReportTable:
    """Money received (回款), by when it came in and whose sale it was."""
    by = params["by"]
    for rollup, model, covered in RECEIPTS_ROLLUPS:
        months = month_key_window(model.month, params)
        if by in covered and months is not None and rollup_ready(ctx, rollup):
            return _receipts_rolled_up(ctx, model, by, months)
    split = month_split_nearer(params.get("since"), params.get("until"))
    if split is not None:  # whole months from a rollup, the days around from the rows
        ready = (m for r, m, covered in RECEIPTS_ROLLUPS if by in covered and rollup_ready(ctx, r))
        row: Any = next(ready, None)
        if row is not None:
            months = month_key_terms(row.month, split.months)
            around = _days_of(_payments_around, split)
            return _from_monthly_rollup(ctx, row, [by], months, row.payments, around)
    key = (date_month(Payment.received_on) if by == "month" else _order_dimension(by)).label(by)
    query = select(key, func.count(Payment.id), func.sum(Payment.amount)).select_from(Payment)
    if by in ("salesperson", "team"):
        query = query.join(Order, Order.id == Payment.order_id)
    query = (
        _order_joins(query, [by], Payment.customer_id)
        .where(*date_window(Payment.received_on, params))
        .group_by(key)
        .order_by(key)
    )
    return ReportTable(
        (by, "payments", "amount"),
        [(k, int(n), to_money(total)) for k, n, total in ctx.session.execute(query)],
    )


def _payments_around(keys: list[str], edges: list[Any]) -> Any:
    """The payments of the days `edges`, summed as the receipts rollups hold them: `keys` of
    month, industry, region (the paying customer's) and person (the order's salesperson), the
    payments as `n` and their `amount`."""
    columns = {
        "month": date_month(Payment.received_on),
        "industry": Customer.industry,
        "region": Customer.region,
        "person": Order.owner_id,
    }
    picked: list[Any] = [columns[key].label(key) for key in keys]
    payments = cast(func.count(Payment.id), Integer).label("n")  # as the rollup: sums stay ints
    query = select(*picked, payments, func.sum(Payment.amount).label("amount"))
    query = query.select_from(Payment)
    if {"industry", "region"} & set(keys):
        query = query.join(Customer, Customer.id == Payment.customer_id)
    if "person" in keys:
        query = query.join(Order, Order.id == Payment.order_id)
    return query.where(on_days(Payment.received_on, edges)).group_by(*picked)


def _receipts_rolled_up(ctx: Context, row: Any, by: str, months: list[Any]) -> ReportTable:
    """The receipts report from a monthly rollup (whole months): the same table, read from
    a few tens of thousands of rows instead of every payment."""
    return _from_monthly_rollup(ctx, row, [by], months, row.payments)


AGEING_BY = ("customer", "salesperson", "team")
BUCKETS = ("not_due", "1_30", "31_60", "61_90", "over_90")


def receivables_ageing(ctx: Context, params: Mapping[str, Any]) -> ReportTable:
    """What is still owed, by how many days it is overdue on day `on`."""
    on: date = params.get("on") or ctx.today()
    by = params["by"]
    edges = [on, on - timedelta(days=30), on - timedelta(days=60), on - timedelta(days=90)]
    per_team = by == "team" and team_rollup_ready(ctx, TEAM_OWED_BY_DUE_DAY)
    if per_team or (by in ("salesperson", "team") and rollup_ready(ctx, OWED_BY_DUE_DAY)):
        owed = _owed_by_salesperson(ctx, edges, _TEAM_OWED if per_team else _OWED)
        totals = [func.sum(column).label(column.name) for column in list(owed.c)[1:]]
        query = select().select_from(owed)
        if by == "salesperson":
            key: Any = User.login.label(by)
            query = query.outerjoin(User, User.id == owed.c.salesperson_id)
            groups = [owed.c.salesperson_id, key]
        elif per_team:  # the team totals name the salesperson's team already
            key = Team.name.label(by)
            query, groups = query.outerjoin(Team, Team.id == owed.c.salesperson_id), [key]
        else:
            team = TeamOf(owed.c.salesperson_id)
            key = team.name.label(by)
            query, groups = team.joined(query), [key]
        query = (
            query.add_columns(key, *totals)
            .group_by(*groups)
            .order_by(totals[-1].desc(), key.is_(None), key)
        )
    elif by == "customer":  # a quarter of a million rows: sums already in cents, as read
        owed = first_rows(_owed_by_customer(edges, _debtors(ctx)))
        return ReportTable((by, *BUCKETS, "total"), plain_rows(ctx, owed))
    else:
        team = TeamOf(Order.owner_id)
        key = {"salesperson": User.login, "team": team.name}[by]
        key = key.label(by)
        sums = _buckets(Installment.due_on, Installment.amount - Installment.paid, edges)
        query = (
            select(key, *sums)
            .select_from(Installment)
            .join(Order, Order.id == Installment.order_id)
            .join(Customer, Customer.id == Installment.customer_id)
            .outerjoin(User, User.id == Order.owner_id)
        )
        if by == "team":
            query = team.joined(query)
        query = (
            query.where(Installment.paid < Installment.amount, Order.status != "cancelled")
            .group_by(key)
            .order_by(sums[-1].desc(), key.is_(None), key)
        )
    rows = [(row[0], *[to_money(v or 0) for v in row[1:]]) for row in ctx.session.execute(query)]
    return ReportTable((params["by"], *BUCKETS, "total"), rows)


#: The most debtors the ageing by customer names by id: for a manager of ten teams' 43,000 the
#: lookup by id is the faster plan on both databases; for a top manager's quarter of a million
#: it gains little, and the grouping reads every unpaid installment instead.
_NAMED_DEBTORS = 50_000


def _debtors(ctx: Context) -> Any | None:
    """A term on installments for the ageing by customer: the only customers whose
    installments it sums, by the rollup of each customer's debt. The reader's debtors (a
    salesperson's hundred and fifty, instead of every unpaid installment checked against who
    may see it), and in a run for its first N rows (the largest debts first) only those who owe
    at least the N+1th largest debt (a top manager's thousand among a quarter of a million).
    None: no rollup yet, or too many debtors to name."""
    if not rollup_ready(ctx, OWED_BY_CUSTOMER):
        return None
    debtors = select(OwedByCustomer.customer_id)
    bound = first_rows_bound(ctx, OwedByCustomer.owed)
    if bound is not None:
        debtors = debtors.where(OwedByCustomer.owed >= bound)
    ids = ctx.session.scalars(debtors.limit(_NAMED_DEBTORS + 1)).all()
    return among(ctx.session, Installment.customer_id, ids) if len(ids) <= _NAMED_DEBTORS else None


def _owed_by_customer(edges: list[date], debtors: Any | None = None) -> Any:
    """Owed per customer and bucket: summed per customer id over the unpaid installments of
    orders not cancelled, then the customers' names joined (a quarter of a million for a top
    manager, instead of the million customers joined to each installment before grouping by
    name, which also merged two customers of one name). `debtors`: a term naming the only
    customers whose installments to sum (`_debtors`)."""
    sums = _buckets(Installment.due_on, Installment.amount - Installment.paid, edges, exact=True)
    terms = [Installment.paid < Installment.amount, Order.status != "cancelled"]
    if debtors is not None:
        terms.append(debtors)
    owed = (
        select(Installment.customer_id, *sums)
        .join(Order, Order.id == Installment.order_id)
        .where(*terms)
        .group_by(Installment.customer_id)
        .subquery()
    )
    totals = [owed.c[name] for name in (*BUCKETS, "total")]
    return (
        select(Customer.name.label("customer"), *totals)
        .join(owed, owed.c.customer_id == Customer.id)
        .order_by(owed.c.total.desc(), Customer.name, Customer.id)
    )


@attrs.frozen
class _Owed:
    """The owed rollups the ageing reads (per day, per month, whatever the due day), and the
    column of each that holds the salesperson (or their team, in the totals per team)."""

    day: Any
    month: Any
    seller: Any
    ready: tuple[Spec, Spec]
    key: str = "salesperson_id"

    def of(self, model: Any) -> Any:
        """The key column of `model`, named as the ageing's subquery names it."""
        return self.column(model).label("salesperson_id")

    def column(self, model: Any) -> Any:
        return getattr(model, self.key)


_OWED = _Owed(OwedByDueDay, OwedByDueMonth, OwedBySeller, (OWED_BY_DUE_MONTH, OWED_BY_SELLER))
_TEAM_OWED = _Owed(
    TeamOwedByDueDay,
    TeamOwedByDueMonth,
    TeamOwedBySeller,
    (TEAM_OWED_BY_DUE_MONTH, TEAM_OWED_BY_SELLER),
    "salesperson_team_id",
)


def _owed_by_salesperson(ctx: Context, edges: list[date], rollups: _Owed) -> Any:
    """Owed per salesperson (per their team, from `_TEAM_OWED`) and bucket, from the rollups
    (a union of signed parts to sum; the key column is `salesperson_id` either way).

    Each month is read whole from the monthly rollup, into the bucket where most of its days
    fall; in a month that a bucket edge splits, the days on its smaller side are read from the
    daily rollup and moved to their own bucket (added there, subtracted from the month's).
    A top manager's ageing then reads about 20,000 daily rows instead of 80,000 (four months).
    With the total per salesperson (`OWED_BY_SELLER`), the months before the oldest edge's are
    not read at all: the oldest bucket is the total less the months read from there on (a
    two-year book: 50,000 monthly rows -> 13,000 and 2,000 totals for a top manager)."""
    day, month, seller = rollups.day, rollups.month, rollups.seller
    monthly, total = rollups.ready
    if not rollup_ready(ctx, monthly):  # the daily rollup alone
        return (
            select(rollups.of(day), *_buckets(day.due_on, day.owed, edges))
            .group_by(rollups.column(day))
            .subquery()
        )
    zero = literal(0, Money())
    months, moves = _month_plan(edges)
    first, last = min(months), max(months)
    in_bucket: list[Any] = [
        month.due_month.in_([m for m, bucket in months.items() if bucket == index])
        for index in range(len(BUCKETS))
    ]
    in_bucket[0] = in_bucket[0] | (month.due_month > last)
    if rollup_ready(ctx, total):
        recent = [func.sum(case((test, month.owed), else_=0)) for test in in_bucket[:-1]]
        not_oldest = func.sum(case((~in_bucket[-1], month.owed), else_=0))
        parts = [
            select(
                rollups.of(month),
                *(total.label(name) for total, name in zip(recent, BUCKETS, strict=False)),
                (-not_oldest).label(BUCKETS[-1]),
                zero.label("total"),
            )
            .where(month.due_month >= first)
            .group_by(rollups.column(month)),
            select(
                rollups.of(seller),
                *(zero.label(name) for name in BUCKETS[:-1]),
                seller.owed.label(BUCKETS[-1]),
                seller.owed.label("total"),
            ),
        ]
    else:
        in_bucket[-1] = in_bucket[-1] | (month.due_month < first)
        parts = [
            select(
                rollups.of(month),
                *(
                    func.sum(case((test, month.owed), else_=0)).label(name)
                    for test, name in zip(in_bucket, BUCKETS, strict=True)
                ),
                func.sum(month.owed).label("total"),
            ).group_by(rollups.column(month))
        ]
    for since, until, to, away in moves:
        moved = func.sum(day.owed)
        signed = [moved if i == to else -moved if i == away else zero for i in range(len(BUCKETS))]
        parts.append(
            select(
                rollups.of(day),
                *(total.label(name) for total, name in zip(signed, BUCKETS, strict=True)),
                zero.label("total"),
            )
            .where(day.due_on >= since, day.due_on < until)
            .group_by(rollups.column(day))
        )
    return union_all(*parts).subquery()


def _bucket(due_on: date, edges: list[date]) -> int:
    """The index in BUCKETS of a day due on `due_on` (edges: the newest first)."""
    return next((index for index, edge in enumerate(edges) if due_on >= edge), len(edges))


def _month_plan(edges: list[date]) -> tuple[dict[str, int], list[tuple[date, date, int, int]]]:
    """For each month that an edge may split ("YYYY-MM"), the bucket it is read into whole;
    and the day ranges [since, until) to move from that bucket (`away`) to their own (`to`)."""
    months: dict[str, int] = {}
    moves: list[tuple[date, date, int, int]] = []
    start = edges[-1].replace(day=1)
    while start <= edges[0]:
        after = (start + timedelta(days=32)).replace(day=1)
        # Edges are 30 days apart: at most one falls inside a month (after its first day).
        edge = next((e for e in edges if start < e < after), None)
        if edge is None:
            months[f"{start:%Y-%m}"] = _bucket(start, edges)
        else:
            early, late = _bucket(start, edges), _bucket(edge, edges)
            if (edge - start).days <= (after - edge).days:  # move the early days
                months[f"{start:%Y-%m}"] = late
                moves.append((start, edge, early, late))
            else:
                months[f"{start:%Y-%m}"] = early
                moves.append((edge, after, late, early))
        start = after
    return months, moves


def _buckets(due_on: Any, owed: Any, edges: list[date], exact: bool = False) -> list[Any]:
    """The sums of `owed` in each ageing bucket by `due_on`, then the total. `exact`: each
    sum in cents as the database gives it (`money_sum`, with a zero of two places, so that a
    bucket with nothing in it is 0.00 too), for rows read without a conversion per value."""
    conditions = [
        due_on >= edges[0],
        (due_on < edges[0]) & (due_on >= edges[1]),
        (due_on < edges[1]) & (due_on >= edges[2]),
        (due_on < edges[2]) & (due_on >= edges[3]),
        due_on < edges[3],
    ]
    if exact:
        zero = type_coerce(literal(0), Money())
        sums = [money_sum(case((cond, owed), else_=zero)) for cond in conditions]
        overall = money_sum(owed)
    else:
        sums = [func.sum(case((cond, owed), else_=0)) for cond in conditions]
        overall = func.sum(owed)
    return [
        *(total.label(name) for total, name in zip(sums, BUCKETS, strict=True)),
        overall.label("total"),
    ]


# -- expenses and activity ---------------------------------------------------------------------

EXPENSES_BY = ("category", "person", "department", "customer", "month")


def expenses(ctx: Context, params: Mapping[str, Any]) -> ReportTable:
    by = params["by"]
    key: Any = {
        "category": Expense.category,
        "person": User.login,
        "department": Team.name,
        "customer": Customer.name,
        "month": date_month(Expense.spent_on),
    }[by].label(by)
    query = (
        select(key, func.count(Expense.id), func.sum(Expense.amount))
        .select_from(Expense)
        .join(User, User.id == Expense.owner_id)
        .outerjoin(Team, Team.id == Expense.team_id)
        .outerjoin(Customer, Customer.id == Expense.customer_id)
        .where(*date_window(Expense.spent_on, params))
        .group_by(key)
        .order_by(func.sum(Expense.amount).desc())
    )
    return ReportTable(
        (by, "count", "amount"),
        [(k, int(n), to_money(total)) for k, n, total in ctx.session.execute(query)],
    )


def salesperson_activity(ctx: Context, params: Mapping[str, Any]) -> ReportTable:
    """Per salesperson per day: interactions logged and distinct customers touched; or, with
    `by=salesperson`, per salesperson over the period, and with `by=team` per team (see
    `_activity_per_person`)."""
    by = params.get("by", "day")
    if by == "salesperson":
        ranked = sorted(_activity_per_person(ctx, params), key=lambda p: (p[2], p[3], p[0]))
        return ReportTable(
            ("user", "interactions", "active_days"),
            [(login, n, days) for login, _team, n, days in ranked],
        )
    if by == "team":
        if team_rollup_ready(ctx, TEAM_INTERACTIONS_BY_DAY) and rollup_ready(
            ctx, INTERACTIONS_BY_MONTH
        ):
            return _activity_per_team_from_totals(ctx, params)
        return _activity_per_team(_activity_per_person(ctx, params))
    if rollup_ready(ctx, INTERACTIONS_BY_DAY):
        row = InteractionsByDay
        window = [*day_key_window(row.day, params), *logged_by_filter(ctx, row.user_id, params)]
        rolled = (
            select(row.day, User.login, func.sum(row.interactions), func.sum(row.customers))
            .join(User, User.id == row.user_id)
            .where(*window)
            .group_by(row.day, User.login)
            .order_by(row.day, User.login)
        )
        return ReportTable(
            ("day", "user", "interactions", "customers"),
            [
                (d, u, int(n), int(c))
                for d, u, n, c in first_rows_by_key(ctx, rolled, row.day, window)
            ],
        )
    day = local_day(Interaction.occurred_at, _zone(ctx)).label("day")
    query = (
        select(
            day,
            User.login,
            func.count(Interaction.id),
            func.count(func.distinct(Interaction.customer_id)),
        )
        .join(User, User.id == Interaction.user_id)
        .where(
            *moment_window(ctx, Interaction.occurred_at, params),
            *logged_by_filter(ctx, Interaction.user_id, params),
        )
        .group_by(day, User.login)
        .order_by(day, User.login)
    )
    return ReportTable(
        ("day", "user", "interactions", "customers"),
        [(d, u, int(n), int(c)) for d, u, n, c in ctx.session.execute(first_rows(query))],
    )


#: One person's activity over a period: login, team name, interactions, active days.
Activity = tuple[str, str | None, int, int]


def _activity_per_person(ctx: Context, params: Mapping[str, Any]) -> list[Activity]:
    """Per salesperson over the period: interactions and the days with at least one, with the
    person's team. With `logged_by=team` every active salesperson and manager of the reader's
    team is listed, those who logged nothing too (what a manager's review looks for)."""
    counted: Any = None
    if rollup_ready(ctx, INTERACTIONS_BY_MONTH):
        counted = _active_days_from_months(ctx, params)
    else:
        day = local_day(Interaction.occurred_at, _zone(ctx))
        counted = (
            select(
                User.login, Team.name, func.count(Interaction.id), func.count(func.distinct(day))
            )
            .join(User, User.id == Interaction.user_id)
            .outerjoin(Team, Team.id == User.team_id)
            .where(
                *moment_window(ctx, Interaction.occurred_at, params),
                *logged_by_filter(ctx, Interaction.user_id, params),
            )
            .group_by(User.login, Team.name)
        )
    activity = {
        login: (login, name, int(n), int(days))
        for login, name, n, days in ([] if counted is None else ctx.session.execute(counted))
    }
    if params.get("logged_by") == "team":
        for login, name in ctx.session.execute(_team_members(ctx, params)):
            activity.setdefault(login, (login, name, 0, 0))
    return list(activity.values())


def _active_days_from_months(ctx: Context, params: Mapping[str, Any]) -> Any:
    """Per person (login, team): interactions and active days, from the month rollup's day
    sets over the window's whole months and the day rollup's days outside them (decision
    0027); None for an empty window. A month's sets under several owners are OR-ed before
    their days are counted. Over two years a top manager reads 95,000 month rows instead of
    2.4 million day rows."""
    months, edges = month_split(params.get("since"), params.get("until"))
    parts: list[Any] = []
    if months is not None:
        parts.append(_active_days_in_months(ctx, params, *months))
    if edges:
        day = InteractionsByDay
        in_edges = [and_(day.day >= a.isoformat(), day.day <= b.isoformat()) for a, b in edges]
        parts.append(
            select(
                day.user_id,
                func.sum(day.interactions).label("interactions"),
                func.count(func.distinct(day.day)).label("days"),
            )
            .where(or_(*in_edges), *logged_by_filter(ctx, day.user_id, params))
            .group_by(day.user_id)
        )
    return _named_per_person(parts)


def _named_per_person(parts: list[Any], *, active_only: bool = False) -> Any | None:
    """Per person (login, team name): the sums of `interactions` and `days` of `parts`
    (queries of user_id, interactions, days); with `active_only` only those with a day in
    them (a cut month's rows can have none of its days in the window); None for no parts.
    Per person first, then named: 2,000 people joined, not 47,000 rows."""
    if not parts:
        return None
    gathered: Any = parts[0] if len(parts) == 1 else union_all(*parts)
    rows = gathered.subquery()
    per_person = select(
        rows.c.user_id,
        func.sum(rows.c.interactions).label("interactions"),
        func.sum(rows.c.days).label("days"),
    ).group_by(rows.c.user_id)
    if active_only:
        per_person = per_person.having(func.sum(rows.c.days) > 0)
    summed = per_person.subquery()
    return (
        select(User.login, Team.name, summed.c.interactions, summed.c.days)
        .join(User, User.id == summed.c.user_id)
        .outerjoin(Team, Team.id == User.team_id)
    )


def _active_days_in_months(
    ctx: Context, params: Mapping[str, Any], first: str | None, last: str | None
) -> Any:
    """Per person: interactions and active days in the months `first`..`last` (None: no
    bound), from the month rollup: each month's sets OR-ed over its owners, then counted."""
    month = InteractionsByMonth
    per_month = (
        select(
            month.user_id,
            func.sum(month.interactions).label("interactions"),
            count_bits(any_bits(month.days)).label("days"),
        )
        .where(
            *([] if first is None else [month.month >= first]),
            *([] if last is None else [month.month <= last]),
            *logged_by_filter(ctx, month.user_id, params),
        )
        .group_by(month.user_id, month.month)
        .subquery()
    )
    return select(
        per_month.c.user_id,
        func.sum(per_month.c.interactions).label("interactions"),
        func.sum(per_month.c.days).label("days"),
    ).group_by(per_month.c.user_id)


def _activity_per_team_from_totals(ctx: Context, params: Mapping[str, Any]) -> ReportTable:
    """`by=team` for a reader who sees whole teams, without a row per person and day: each
    person's active days from the month rollup's day sets (a month the window cuts masked to
    its days in the window), their interactions over whole months from the same rows, and the
    interactions of the days around those months from the totals per team by day. A manager's
    fortnight reads 3,800 month rows and 2,700 team-day rows instead of 46,000 person-day rows.
    """
    months, edges = month_split(params.get("since"), params.get("until"))
    month = InteractionsByMonth
    people = logged_by_filter(ctx, month.user_id, params)
    parts: list[Any] = []
    if months is not None:
        parts.append(_active_days_in_months(ctx, params, *months))
    for first, last in edges:  # each within one month: its days in the window as a mask
        mask = sum(1 << (day - 1) for day in range(first.day, last.day + 1))
        days = count_bits(any_bits(month.days).op("&")(mask))
        parts.append(
            select(month.user_id, literal(0).label("interactions"), days.label("days"))
            .where(month.month == first.isoformat()[:7], *people)
            .group_by(month.user_id)
        )
    named = _named_per_person(parts, active_only=True)
    activity: dict[str, Activity] = {
        login: (login, name, int(n), int(days))
        for login, name, n, days in ([] if named is None else ctx.session.execute(named))
    }
    around: dict[str | None, int] = {}
    if edges:
        row = TeamInteractionsByDay
        in_edges = [and_(row.day >= a.isoformat(), row.day <= b.isoformat()) for a, b in edges]
        teams = []
        if params.get("logged_by", "anyone") == "team" and not ctx.actor.sees_everything:
            teams.append(row.user_team_id.in_(teams_managed_by(ctx.actor.id or 0)))
        per_team = (
            select(Team.name, func.sum(row.interactions))
            .select_from(row)
            .outerjoin(Team, Team.id == row.user_team_id)
            .where(or_(*in_edges), *teams)
            .group_by(Team.name)
        )
        around = {name: int(n) for name, n in ctx.session.execute(per_team)}
    if params.get("logged_by") == "team":
        for login, name in ctx.session.execute(_team_members(ctx, params)):
            activity.setdefault(login, (login, name, 0, 0))
    return _activity_per_team(list(activity.values()), around)


def _team_members(ctx: Context, params: Mapping[str, Any]) -> Any:
    """The active salespeople and managers of the reader's team (`logged_by=team`), with
    their team's name: listed in a review whether or not they logged anything."""
    return (
        select(User.login, Team.name)
        .outerjoin(Team, Team.id == User.team_id)
        .where(
            User.active.is_(True),
            User.role.in_(("sales", "manager")),
            *logged_by_filter(ctx, User.id, params),
        )
    )


def _activity_per_team(
    people: list[Activity], around: Mapping[str | None, int] | None = None
) -> ReportTable:
    """Each team's people's activity added up (a few thousand people at most): people listed,
    interactions (plus `around`, those counted per team only), active days (person-days with
    one at least) and idle people (no active day); the least active per person first."""
    teams: dict[str | None, list[int]] = {}
    for _login, name, n, days in people:
        sums = teams.setdefault(name, [0, 0, 0, 0])
        sums[0] += 1
        sums[1] += n
        sums[2] += days
        sums[3] += days == 0
    for name, n in (around or {}).items():
        teams.setdefault(name, [0, 0, 0, 0])[1] += n
    ranked = sorted(teams.items(), key=lambda t: (t[1][1] / t[1][0], t[0] or ""))
    return ReportTable(
        ("team", "people", "interactions", "active_days", "idle"),
        [(name, *sums) for name, sums in ranked],
    )


def register_all(register: Callable[[Report], None]) -> None:
    register(
        Report(
            "customer-development",
            "New customers by month and level/industry/region/owner/team/grade",
            customer_development,
            (by_param(DEVELOPMENT_BY, "level"), SINCE, UNTIL),
            title_zh="客户开发",
        )
    )
    register(
        Report(
            "sales",
            "Sales by month/customer/industry/region/salesperson/team/product",
            sales,
            (by_param(SALES_BY, "month", combine=True), SINCE, UNTIL),
            title_zh="销售统计",
            dashboard=("admin", "manager"),
            dashboard_params=lambda today: {"by": "month", **last_months(12)(today)},
        )
    )
    register(
        Report(
            "receipts",
            "Receipts by month/industry/region/salesperson/team",
            receipts,
            (by_param(RECEIPTS_BY, "month"), SINCE, UNTIL),
            title_zh="回款统计",
            dashboard=("admin", "manager"),
            dashboard_params=lambda today: {"by": "month", **last_months(12)(today)},
        )
    )
    register(
        Report(
            "receivables-ageing",
            "Receivables ageing",
            receivables_ageing,
            (by_param(AGEING_BY, "customer"), ReportParam("on", "as of this day", parse_date)),
            title_zh="应收账龄",
            dashboard=("admin", "manager"),
            dashboard_params=lambda today: {"by": "salesperson"},
            dashboard_team_params={"by": "team"},
        )
    )
    register(
        Report(
            "expenses",
            "Expenses by category/person/department/customer/month",
            expenses,
            (by_param(EXPENSES_BY, "category"), SINCE, UNTIL),
            title_zh="费用分析",
            dashboard=("admin", "manager"),
            dashboard_params=lambda today: {"by": "category", **last_months(12)(today)},
        )
    )
    register(
        Report(
            "salesperson-activity",
            "Salesperson activity by day, person or team",
            salesperson_activity,
            (
                SINCE,
                UNTIL,
                LOGGED_BY,
                ReportParam(
                    "by",
                    "day (per salesperson per day), salesperson (over the period, least "
                    "active first) or team (the same added up per team)",
                    default="day",
                    choices=("day", "salesperson", "team"),
                ),
            ),
            title_zh="业务员活动量",
            dashboard=("manager",),
            dashboard_params=lambda today: {
                **last_days(14)(today),
                "logged_by": "team",
                "by": "salesperson",
            },
            dashboard_team_params={"by": "team"},
        )
    )
