"""Money stays exact and times stay timezone-aware, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from crm_core.foundation.types import money_average, money_sum, to_money
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import Product
from crm_core.services import products

amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("99999999.99"), places=2)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(prices=st.lists(amounts, min_size=1, max_size=20))
def test_sums_in_sql_are_exact(crm_deployment: Deployment, prices: list[Decimal]) -> None:
    with crm_deployment.work("admin", write=True) as ctx:
        before = ctx.session.scalar(select(func.coalesce(func.sum(Product.price), 0)))
        start = ctx.session.scalar(select(func.count()).select_from(Product)) or 0
        for i, price in enumerate(prices):
            products.add(ctx, f"P{start + i}", "测试产品", price=price)
        total = ctx.session.scalar(select(func.sum(Product.price)))
    assert isinstance(total, Decimal)
    assert total == to_money(before or 0) + sum(prices)
    with crm_deployment.work("admin") as ctx:
        summed = ctx.session.scalar(select(money_sum(Product.price)))
        dialect = ctx.session.get_bind().dialect
    # the same exact cents, read without a call per row where the sum is cents already
    assert isinstance(summed, Decimal) and summed == total and summed.as_tuple().exponent == -2
    processor = money_sum(Product.price).type.result_processor(dialect, None)
    assert (processor is None) == (dialect.name == "postgresql")


def test_scaling_money_by_whole_numbers_in_sql(crm_deployment: Deployment) -> None:
    with crm_deployment.work("admin", write=True) as ctx:
        products.add(ctx, "S1", "缩放", price=Decimal("300000.00"))
        price = Product.price
        row = ctx.session.execute(
            select(price * 20 / 100, price * 3, price + Decimal("0.50"), price - 1).where(
                Product.code == "S1"
            )
        ).one()
    assert [Decimal(v) for v in row] == [
        Decimal("60000.00"),
        Decimal("900000.00"),
        Decimal("300000.50"),
        Decimal("299999.00"),
    ]
    with crm_deployment.work("admin", write=True) as ctx:
        products.add(ctx, "S2", "平均", price=Decimal("0.01"))
        products.add(ctx, "S3", "平均", price=Decimal("0.02"))
        average = ctx.session.scalar(
            select(money_average(Product.price)).where(Product.code.in_(("S2", "S3")))
        )
    assert average == Decimal("0.02")  # 1.5 cents rounds half-up, exactly, on both databases


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        to_money(0.1)  # type: ignore[arg-type]
    assert to_money("0.005") == Decimal("0.01")


def test_amounts_are_cents_rounded_half_up() -> None:
    assert str(to_money(Decimal("1.5"))) == "1.50"
    assert str(to_money(Decimal("0.125"))) == "0.13"
    assert str(to_money(Decimal("-0.125"))) == "-0.13"
    assert str(to_money(Decimal("1E+2"))) == "100.00"
    assert str(to_money(7)) == "7.00"
    cents = Decimal("12.34")
    assert to_money(cents) is cents  # already cents: returned as it is


def test_times_come_back_aware_and_equal(crm_deployment: Deployment) -> None:
    moment = datetime(2026, 3, 1, 8, 30, tzinfo=timezone(timedelta(hours=8)))
    with crm_deployment.work("admin", write=True) as ctx:
        product = products.add(ctx, "T1", "时间")
        product.created_at = moment
    with crm_deployment.work("admin") as ctx:
        stored = ctx.session.scalar(select(Product.created_at).where(Product.code == "T1"))
    assert stored == moment and stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored == datetime(2026, 3, 1, 0, 30, tzinfo=UTC)


def test_naive_times_are_refused(crm_deployment: Deployment) -> None:
    from sqlalchemy.exc import StatementError

    with (
        pytest.raises(StatementError, match="timezone-aware"),
        crm_deployment.work("admin", write=True) as ctx,
    ):
        product = products.add(ctx, "T2", "时间")
        product.created_at = datetime(2026, 1, 1)
        ctx.session.flush()
