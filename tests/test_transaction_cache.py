"""Settings and rollup readiness are read once per transaction, and never stale within it: a
write to their table (ORM, Core or raw SQL), a pending setting, a rollback to a savepoint or the
transaction's end makes the next read go to the database again. Both databases."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, delete, event, update

from crm_core.features.customers.rollups import CUSTOMERS_BY_LEVEL, INTERACTIONS_BY_DAY
from crm_core.features.reports import engine as reports
from crm_core.features.rollups import RollupState
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import Setting


@contextmanager
def statements(connection: Connection) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", record)


def test_a_setting_is_read_once_per_transaction(crm_deployment: Deployment) -> None:
    with crm_deployment.work("admin") as ctx:
        assert ctx.settings.get("currency") == "CNY"
        with statements(ctx.session.connection()) as seen:
            assert ctx.settings.get("currency") == "CNY"
            assert ctx.settings.get("currency") == "CNY"
        assert [s for s in seen if "crm_setting" in s] == []


def test_a_setting_written_in_the_transaction_is_read_again(crm_deployment: Deployment) -> None:
    with crm_deployment.work("admin", write=True) as ctx:
        assert ctx.settings.get("currency") == "CNY"
        ctx.settings.set("currency", "usd")  # through the ORM
        assert ctx.settings.get("currency") == "USD"
        ctx.session.execute(update(Setting).where(Setting.key == "currency").values(value="EUR"))
        assert ctx.settings.get("currency") == "EUR"  # Core UPDATE
        ctx.session.connection().exec_driver_sql("DELETE FROM crm_setting WHERE key = 'currency'")
        assert ctx.settings.get("currency") == "CNY"  # raw SQL: the default again
        ctx.session.add(Setting(key="currency", value="JPY"))  # pending, not flushed
        assert ctx.settings.get("currency") == "JPY"
        ctx.session.rollback()


def test_a_rollback_to_a_savepoint_forgets(crm_deployment: Deployment) -> None:
    with crm_deployment.work("admin", write=True) as ctx:
        with ctx.session.begin_nested() as savepoint:
            ctx.settings.set("currency", "HKD")
            assert ctx.settings.get("currency") == "HKD"
            savepoint.rollback()
        assert ctx.settings.get("currency") == "CNY"
        ctx.session.rollback()


def test_another_transactions_commit_is_seen_in_the_next(crm_deployment: Deployment) -> None:
    with crm_deployment.work("admin") as reader:
        assert reader.settings.get("currency") == "CNY"
        with crm_deployment.work("admin", write=True) as writer:
            writer.settings.set("currency", "GBP")
        reader.session.commit()  # the reader's next transaction
        assert reader.settings.get("currency") == "GBP"
    with crm_deployment.work("admin", write=True) as ctx:
        ctx.settings.set("currency", "CNY")


def test_rollup_readiness_is_read_once_and_forgotten_on_write(
    crm_deployment: Deployment,
) -> None:
    with crm_deployment.work("admin", write=True) as ctx:
        built = [INTERACTIONS_BY_DAY, CUSTOMERS_BY_LEVEL]
        assert all(reports.rollup_ready(ctx, spec) for spec in built)
        with statements(ctx.session.connection()) as seen:
            assert all(reports.rollup_ready(ctx, spec) for spec in built)
        assert seen == []
        ctx.session.execute(delete(RollupState).where(RollupState.name == built[0].name))
        assert not reports.rollup_ready(ctx, built[0])
        assert reports.rollup_ready(ctx, built[1])
        ctx.session.rollback()
    with crm_deployment.work("admin") as ctx:
        assert reports.rollup_ready(ctx, built[0])
