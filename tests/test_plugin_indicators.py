"""The plugins' rollout indicators, each checked on several days against a computation in Python
over the rows (read by an admin, who sees them all) on the three blocks' demo data."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from crm_core.features import demo_data as demo
from crm_core.features.tracking import indicators
from crm_core.hooks.context import Context
from crm_core.kernel import lifecycle
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import Product

for _block in ("crm_customer_resources", "crm_project_sales", "crm_channel_commerce"):
    pytest.importorskip(_block, reason="the three blocks' indicators need the three blocks")

from crm_channel_commerce.models import DealerOrder, DealerPayment  # noqa: E402
from crm_customer_resources.models import Installment, Order, Payment  # noqa: E402
from crm_customer_resources.services import orders as cr_orders  # noqa: E402
from crm_project_sales.models import DEFAULT_CATEGORY, Project, Stage  # noqa: E402

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = datetime.now(ZONE).date()
DAYS = [TODAY - timedelta(days=n) for n in (0, 45, 120)]
CENT = Decimal("0.01")


@pytest.fixture
def three_blocks(crm_deployment: Deployment) -> Deployment:
    admin = crm_deployment.resolve_actor("admin")
    lifecycle.enable(
        crm_deployment, admin, ["customer_resources", "project_sales", "channel_commerce"]
    )
    with crm_deployment.work("admin", write=True) as ctx:
        demo.seed(ctx, scale=2, seed_value=5)
    return crm_deployment


def end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, ZONE)


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("UTC"))


def value(ctx: Context, name: str, day: date) -> Decimal | None:
    return indicators.lookup(ctx, name).value_on(ctx, day)


def test_sales_and_dealer_orders_of_the_last_30_days(three_blocks: Deployment) -> None:
    with three_blocks.work("admin") as ctx:
        orders = list(ctx.session.scalars(select(Order)))
        dealer_orders = list(ctx.session.scalars(select(DealerOrder)))
        for day in DAYS:
            window = (day - timedelta(days=30), day)
            sales = sum(
                (o.total for o in orders
                 if window[0] < o.ordered_on <= window[1] and o.status != "cancelled"),
                Decimal(0),
            )  # fmt: skip
            assert value(ctx, "sales-30d", day) == sales.quantize(CENT), day
            placed = sum(
                (o.total for o in dealer_orders
                 if window[0] < o.ordered_on <= window[1] and o.status not in ("draft", "cancelled")),
                Decimal(0),
            )  # fmt: skip
            assert value(ctx, "dealer-orders-30d", day) == placed.quantize(CENT), day
        assert value(ctx, "sales-30d", TODAY) or value(ctx, "sales-30d", DAYS[1])


def test_dealer_overdue_deducts_only_payments_received_by_the_day(
    three_blocks: Deployment,
) -> None:
    with three_blocks.work("admin", write=True) as ctx:  # some shipped orders fall overdue
        shipped = list(
            ctx.session.scalars(
                select(DealerOrder).where(DealerOrder.shipped_at.is_not(None)).limit(3)
            )
        )
        assert shipped, "the demo ships dealer orders"
        for order in shipped:
            order.shipped_at = datetime.combine(TODAY - timedelta(days=100), time(10), ZONE)
            order.due_on = TODAY - timedelta(days=70)
        ctx.session.add(
            DealerPayment(
                customer_id=shipped[0].customer_id,
                order_id=shipped[0].id,
                amount=(shipped[0].total / 2).quantize(CENT),
                received_on=TODAY - timedelta(days=20),
            )
        )
    with three_blocks.work("admin") as ctx:
        orders = list(ctx.session.scalars(select(DealerOrder)))
        payments = list(ctx.session.scalars(select(DealerPayment)))
        for day in DAYS:
            owed = Decimal(0)
            for order in orders:
                if (
                    order.shipped_at is None
                    or aware(order.shipped_at) >= end_of(day)
                    or order.status == "cancelled"
                    or order.due_on is None
                    or order.due_on >= day
                ):
                    continue
                paid = sum(
                    (p.amount for p in payments
                     if p.order_id == order.id and p.received_on <= day),
                    Decimal(0),
                )  # fmt: skip
                owed += order.total - paid
            assert value(ctx, "dealer-overdue", day) == owed.quantize(CENT), day
        now, before_payment = (
            value(ctx, "dealer-overdue", TODAY),
            value(ctx, "dealer-overdue", DAYS[1]),
        )
        assert now is not None and before_payment is not None and 0 < now < before_payment


def _overdue_on(
    day: date, orders: list[Order], items: list[Installment], paid: list[Payment]
) -> Decimal:
    """Owed on installments due before `day` at the end of `day`: each order's payments
    received by then filling its installments earliest due first."""
    owed = Decimal(0)
    for order in orders:
        if order.status == "cancelled" or order.ordered_on > day:
            continue
        left = sum((p.amount for p in paid if p.order_id == order.id and p.received_on <= day),
                   Decimal(0))  # fmt: skip
        for item in sorted((i for i in items if i.order_id == order.id),
                           key=lambda i: (i.due_on, i.seq)):  # fmt: skip
            applied = min(left, item.amount)
            left -= applied
            if item.due_on < day:
                owed += item.amount - applied
    return owed


def test_overdue_receivables_as_they_stood_on_each_day(three_blocks: Deployment) -> None:
    """Payments count from the day they were received, applied earliest due first; on today the
    value is what the installments still owe now."""
    with three_blocks.work("admin", write=True) as ctx:  # three-instalment orders, paid late
        customer = ctx.session.scalar(select(Order.customer_id).limit(1))
        code = ctx.session.scalar(select(Product.code).limit(1))
        assert customer is not None and code is not None
        line = cr_orders.LineRequest(code, 3)
        for start, paid_after in ((150, 60), (100, 20), (75, 5)):
            order = cr_orders.create(
                ctx, str(customer), [line], ordered_on=TODAY - timedelta(days=start),
                installments=3, every_days=30,
            )  # fmt: skip
            part = (order.total / 2).quantize(CENT)
            cr_orders.pay(ctx, order.number, part, received_on=TODAY - timedelta(days=paid_after))
    with three_blocks.work("admin") as ctx:
        orders = list(ctx.session.scalars(select(Order)))
        items = list(ctx.session.scalars(select(Installment)))
        paid = list(ctx.session.scalars(select(Payment)))
        days = [
            *DAYS,
            TODAY - timedelta(days=10),
            TODAY - timedelta(days=61),
            TODAY + timedelta(days=40),
        ]
        values = []
        for day in days:
            expected = _overdue_on(day, orders, items, paid).quantize(CENT)
            values.append(value(ctx, "receivables-overdue", day))
            assert values[-1] == expected, day
        now = sum(
            (i.amount - i.paid for i in items if i.due_on < TODAY and
             next(o for o in orders if o.id == i.order_id).status != "cancelled"),
            Decimal(0),
        )  # fmt: skip
        assert values[0] == now.quantize(CENT) and len(set(values)) > 3


def win_two_projects(deployment: Deployment) -> None:
    """Two projects of the default pipeline won 10 and 60 days ago, 40 and 20 days after creation."""
    with deployment.work("admin", write=True) as ctx:
        won = ctx.session.scalar(
            select(Stage.code).where(Stage.category == DEFAULT_CATEGORY, Stage.outcome == "won")
        )
        assert won is not None
        projects = list(ctx.session.scalars(select(Project).order_by(Project.id).limit(2)))
        for project, (closed_ago, took) in zip(projects, ((10, 40), (60, 20)), strict=True):
            closed = datetime.combine(TODAY - timedelta(days=closed_ago), time(15), ZONE)
            project.category = DEFAULT_CATEGORY
            project.stage_code = won
            project.closed_at = closed
            project.created_at = closed - timedelta(days=took)


def test_win_rate_and_days_from_lead_to_signed(three_blocks: Deployment) -> None:
    win_two_projects(three_blocks)
    with three_blocks.work("admin") as ctx:
        stages = {(s.category, s.code): s.outcome for s in ctx.session.scalars(select(Stage))}
        categories = {category for category, _ in stages}
        projects = list(ctx.session.scalars(select(Project)))
        seen_closed = 0
        for day in DAYS:
            won_days, won, lost = [], 0, 0
            for p in projects:
                if p.closed_at is None:
                    continue
                closed = aware(p.closed_at)
                if not end_of(day) - timedelta(days=180) <= closed < end_of(day):
                    continue
                category = p.category if p.category in categories else DEFAULT_CATEGORY
                outcome = stages[(category, p.stage_code)]
                if outcome == "won":
                    won += 1
                    won_days.append((closed - aware(p.created_at)).total_seconds() / 86400)
                elif outcome == "lost":
                    lost += 1
            seen_closed += won + lost
            rate = value(ctx, "win-rate", day)
            if won + lost:
                assert rate == (Decimal(won * 100) / (won + lost)).quantize(CENT), day
            else:
                assert rate is None
            lead = value(ctx, "days-lead-to-signed", day)
            if won_days:
                assert lead is not None
                assert abs(float(lead) - sum(won_days) / len(won_days)) < 0.01, day
            else:
                assert lead is None
        assert seen_closed > 0  # the demo data closes projects, so the check above bites


def test_every_plugin_indicator_has_a_value_on_this_data(three_blocks: Deployment) -> None:
    win_two_projects(three_blocks)
    with three_blocks.work("admin") as ctx:
        names = ("sales-30d", "receivables-overdue", "dealer-orders-30d", "win-rate")
        for name in (*names, "days-lead-to-signed"):
            assert any(value(ctx, name, day) for day in DAYS), name
