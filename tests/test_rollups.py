"""Rollups stay equal to their source under any write, and reports read them with the same result.

The writes here go through plain SQL on the tables (no service, no ORM): the triggers, not the
write paths, are what keeps a rollup true, so they must hold under any writer. Each hypothesis
example runs in a transaction that is rolled back, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Connection,
    case,
    delete,
    event,
    func,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects import sqlite

from crm_core.contract.testing import CliResult
from crm_core.features import reminders, rollups
from crm_core.features.customers.rollups import CUSTOMERS_BY_MONTH, CustomersByIndustry
from crm_core.features.reports import engine as reports
from crm_core.features.rollups import RollupState, vacuuming
from crm_core.features.rollups import triggers as rollup_triggers
from crm_core.features.rollups.triggers import RollupSql
from crm_core.foundation.errors import PluginError, ValidationError
from crm_core.foundation.schema import table_of
from crm_core.foundation.types import UTCDateTime
from crm_core.hooks.rollups import ROLLUPS
from crm_core.kernel import lifecycle
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import Customer, Interaction, Product, Team, User
from tests.conftest import Org

pytest.importorskip("crm_customer_resources")
from crm_customer_resources import reports as cr_reports
from crm_customer_resources.models import (
    CustomerProfile,
    Installment,
    Order,
    OrderLine,
    Payment,
)
from crm_customer_resources.models.rollups import PROFILES_BY_GRADE

pytest.importorskip("crm_project_sales")
from crm_project_sales.models import Project, Stage

CUSTOMERS = table_of(Customer)
INTERACTIONS = table_of(Interaction)
ORDERS = table_of(Order)
ORDER_LINES = table_of(OrderLine)
PRODUCTS = table_of(Product)
INSTALLMENTS = table_of(Installment)
PROFILES = table_of(CustomerProfile)
PAYMENTS = table_of(Payment)
PROJECTS = table_of(Project)
USERS = table_of(User)
TEAMS = table_of(Team)
STAGES = ["lead", "qualification", "solution", "quotation", "negotiation", "won", "lost"]
ZONE = "Asia/Shanghai"
#: 15:30 UTC is 23:30 in Shanghai: moments on both sides of a local midnight.
BASE = datetime(2026, 10, 30, 15, 30, tzinfo=UTC)

moments = st.integers(0, 6 * 24 * 60).map(lambda minutes: BASE + timedelta(minutes=minutes))
labels = st.sampled_from([None, "制造业", "零售", "华东", "华南"])
levels = st.sampled_from(["lead", "prospect", "customer", "vip"])
grades = st.sampled_from([None, 1, 3, 5])


@pytest.fixture
def world(org: Org) -> Iterator[Deployment]:
    deployment = org.deployment
    admin = deployment.resolve_actor("admin")
    lifecycle.enable(deployment, admin, ["customer_resources", "project_sales"])
    yield deployment


def _own_pipeline(connection: Connection, category: str) -> None:
    """A pipeline of `category`'s own, with other probabilities than the default one."""
    stages = table_of(Stage)
    connection.execute(
        insert(stages),
        [
            {
                "category": category,
                "code": code,
                "name": code,
                "name_zh": code,
                "seq": seq,
                "probability": probability,
                "outcome": outcome,
            }
            for seq, (code, probability, outcome) in enumerate(
                [
                    ("lead", 5, "open"),
                    ("solution", 35, "open"),
                    ("negotiation", 85, "open"),
                    ("won", 100, "won"),
                    ("lost", 0, "lost"),
                ]
            )
        ],
    )


def _ids(connection: Connection, table: Any) -> list[int]:
    return list(connection.scalars(select(table.c.id).order_by(table.c.id)))


def _order_lines(connection: Connection, order: int, customer: int, total: Decimal, k: int) -> None:
    """One or two lines of the order (two products; the first created on first use), the
    amounts adding up to `total`."""
    products = list(connection.scalars(select(PRODUCTS.c.id).order_by(PRODUCTS.c.id)))
    for code in ("P-1", "P-2")[len(products) :]:
        products.append(
            connection.execute(
                insert(PRODUCTS)
                .values(code=code, name=f"产品{code}", created_at=BASE)
                .returning(PRODUCTS.c.id)
            ).scalar_one()
        )
    first = (total / 2).quantize(Decimal("0.01")) if k % 2 else total
    lines = [(products[k % 2], first), (products[(k + 1) % 2], total - first)]
    connection.execute(
        insert(ORDER_LINES),
        [
            {
                "order_id": order,
                "customer_id": customer,
                "product_id": product,
                "quantity": 1 + k % 3,
                "price": amount,
                "amount": amount,
            }
            for product, amount in lines[: 1 + k % 2]
        ],
    )


def apply(connection: Connection, op: tuple[Any, ...], users: list[int | None]) -> None:
    kind, *args = op
    customers = _ids(connection, CUSTOMERS)
    interactions = _ids(connection, INTERACTIONS)
    orders = _ids(connection, ORDERS)
    installments = _ids(connection, INSTALLMENTS)
    projects = _ids(connection, PROJECTS)

    def pick(ids: list[int], n: int) -> int | None:
        return ids[n % len(ids)] if ids else None

    if kind == "log":
        customer, user, at = pick(customers, args[0]), users[args[1]] or users[1], args[2]
        if customer is not None:
            connection.execute(
                insert(INTERACTIONS).values(
                    customer_id=customer,
                    user_id=user,
                    kind="call",
                    occurred_at=at,
                    created_at=at,
                    next_contact_on=at.date() + timedelta(days=args[1]) if args[1] % 2 else None,
                )
            )
    elif kind == "log_many" and customers:  # one statement, several rows, often one key
        customer = pick(customers, args[0])
        connection.execute(
            insert(INTERACTIONS),
            [
                {
                    "customer_id": customer,
                    "user_id": users[1 + (args[1] + n) % 2],
                    "kind": "visit",
                    "occurred_at": args[2] + timedelta(minutes=40 * n),
                    "created_at": args[2],
                    "next_contact_on": args[2].date() + timedelta(days=n) if n != 1 else None,
                }
                for n in range(3)
            ],
        )
    elif kind == "twins" and customers:  # the same moment twice: the later entry is newest
        connection.execute(
            insert(INTERACTIONS),
            [
                {
                    "customer_id": pick(customers, args[0]),
                    "user_id": users[1],
                    "kind": "call",
                    "occurred_at": args[1],
                    "created_at": args[1],
                    "next_contact_on": args[1].date() + timedelta(days=n) if n else None,
                }
                for n in range(2)
            ],
        )
    elif kind == "plan" and interactions:  # the next contact changes on an old interaction
        connection.execute(
            update(INTERACTIONS)
            .where(INTERACTIONS.c.id == pick(interactions, args[0]))
            .values(next_contact_on=args[1])
        )
    elif kind == "shift" and customers:  # one statement moving several rows, some across days
        customer = pick(customers, args[0])
        moments_now = dict(
            connection.execute(
                select(INTERACTIONS.c.id, INTERACTIONS.c.occurred_at).where(
                    INTERACTIONS.c.customer_id == customer
                )
            ).all()
        )
        if moments_now:
            shifted = case(
                {
                    row: type_coerce(at + timedelta(minutes=args[1]), UTCDateTime())
                    for row, at in moments_now.items()
                },
                value=INTERACTIONS.c.id,
            )
            connection.execute(
                update(INTERACTIONS)
                .where(INTERACTIONS.c.customer_id == customer)
                .values(occurred_at=shifted)
            )
    elif kind == "unlog_user":
        connection.execute(delete(INTERACTIONS).where(INTERACTIONS.c.user_id == users[args[0]]))
    elif kind == "unlog" and interactions:
        connection.execute(
            delete(INTERACTIONS).where(INTERACTIONS.c.id == pick(interactions, args[0]))
        )
    elif kind == "relog" and interactions and customers:
        connection.execute(
            update(INTERACTIONS)
            .where(INTERACTIONS.c.id == pick(interactions, args[0]))
            .values(occurred_at=args[1], customer_id=pick(customers, args[2]))
        )
    elif kind == "note" and interactions:
        connection.execute(update(INTERACTIONS).values(notes="改了备注"))
    elif kind == "owner" and customers:
        connection.execute(
            update(CUSTOMERS)
            .where(CUSTOMERS.c.id == pick(customers, args[0]))
            .values(owner_id=users[args[1]])
        )
    elif kind == "hand_over":  # one statement, many rows: how a transfer moves a book
        connection.execute(
            update(CUSTOMERS)
            .where(CUSTOMERS.c.owner_id.is_not_distinct_from(users[args[0]]))
            .values(owner_id=users[args[1]])
        )
    elif kind == "bulk_hand_over":  # as a transfer does on SQLite: rollup triggers quiet
        ids = [
            row.id
            for row in connection.execute(
                select(CUSTOMERS.c.id).where(
                    CUSTOMERS.c.owner_id.is_not_distinct_from(users[args[0]])
                )
            )
        ]
        with rollups.customers_changing(connection, ids):
            connection.execute(
                update(CUSTOMERS).where(CUSTOMERS.c.id.in_(ids)).values(owner_id=users[args[1]])
            )
    elif kind == "profile" and customers:  # a writer that names another owner than the customer's
        customer = pick(customers, args[0])
        if (
            connection.scalar(
                select(PROFILES.c.customer_id).where(PROFILES.c.customer_id == customer)
            )
            is None
        ):
            connection.execute(
                insert(PROFILES).values(
                    customer_id=customer, owner_id=users[args[1]], last_contact_at=args[2]
                )
            )
    elif kind == "profile_owner":  # a hand edit of the copy, on every profile at once
        connection.execute(update(PROFILES).values(owner_id=users[args[0]]))
    elif kind == "grade" and customers:  # grading, or a manager's override
        connection.execute(
            update(PROFILES)
            .where(PROFILES.c.customer_id == pick(customers, args[0]))
            .values(grade=args[1], grade_override=args[2])
        )
    elif kind == "regrade":  # one statement grading every graded profile again
        connection.execute(
            update(PROFILES).where(PROFILES.c.grade.is_not(None)).values(grade=args[0])
        )
    elif kind == "profile_drop" and customers:
        connection.execute(
            delete(PROFILES).where(PROFILES.c.customer_id == pick(customers, args[0]))
        )
    elif kind == "customer_redate" and customers:
        connection.execute(
            update(CUSTOMERS)
            .where(CUSTOMERS.c.id == pick(customers, args[0]))
            .values(created_at=args[1])
        )
    elif kind == "classify" and customers:
        connection.execute(
            update(CUSTOMERS)
            .where(CUSTOMERS.c.id == pick(customers, args[0]))
            .values(industry=args[1], region=args[2], level=args[3])
        )
    elif kind == "remove" and customers:
        connection.execute(delete(CUSTOMERS).where(CUSTOMERS.c.id == pick(customers, args[0])))
    elif kind == "customer":
        name = f"客户{uuid.uuid4().hex[:12]}"
        connection.execute(
            insert(CUSTOMERS).values(
                name=name,
                name_key=name,
                kind="customer",
                level=args[1],
                industry=args[2],
                owner_id=users[args[3]],
                created_at=args[4],
                updated_at=args[4],
            )
        )
    elif kind == "order" and customers:
        customer = pick(customers, args[0])
        order = connection.execute(
            insert(ORDERS)
            .values(
                customer_id=customer,
                number=f"SO-{uuid.uuid4().hex[:12]}",
                owner_id=users[args[1]],
                ordered_on=args[2],
                status="open",
                total=Decimal(args[3]),
                created_at=BASE,
            )
            .returning(ORDERS.c.id)
        ).scalar_one()
        _order_lines(connection, order, customer, Decimal(args[3]), args[0])
        if Decimal(args[3]) > 0:  # two installments, both due within the same few weeks
            connection.execute(
                insert(INSTALLMENTS),
                [
                    {
                        "customer_id": customer,
                        "order_id": order,
                        "seq": seq,
                        "due_on": args[2] + timedelta(days=10 * seq),
                        "amount": Decimal(args[3]) / 2,
                        "paid": Decimal(0),
                    }
                    for seq in (1, 2)
                ],
            )
    elif kind == "pay" and installments:  # nothing, half or all of an installment
        row = pick(installments, args[0])
        connection.execute(
            update(INSTALLMENTS)
            .where(INSTALLMENTS.c.id == row)
            .values(paid=INSTALLMENTS.c.amount * args[1] / 2)
        )
    elif kind == "receive" and orders:  # a payment on an order, on a day
        order = connection.execute(
            select(ORDERS.c.id, ORDERS.c.customer_id).where(ORDERS.c.id == pick(orders, args[0]))
        ).one()
        connection.execute(
            insert(PAYMENTS).values(
                order_id=order.id,
                customer_id=order.customer_id,
                received_on=args[1],
                amount=args[2],
            )
        )
    elif kind == "unreceive":  # the oldest payment taken back
        first = connection.scalar(select(func.min(PAYMENTS.c.id)))
        if first is not None:
            connection.execute(delete(PAYMENTS).where(PAYMENTS.c.id == first))
    elif kind == "pay_customer" and customers:  # one statement, every installment of a customer
        connection.execute(
            update(INSTALLMENTS)
            .where(INSTALLMENTS.c.customer_id == pick(customers, args[0]))
            .values(paid=INSTALLMENTS.c.amount)
        )
    elif kind == "replan" and installments and orders:  # another order, another day
        connection.execute(
            update(INSTALLMENTS)
            .where(INSTALLMENTS.c.id == pick(installments, args[0]))
            .values(order_id=pick(orders, args[1]), due_on=args[2])
        )
    elif kind == "unplan" and installments:
        connection.execute(
            delete(INSTALLMENTS).where(INSTALLMENTS.c.id == pick(installments, args[0]))
        )
    elif kind == "order_seller" and orders:
        connection.execute(
            update(ORDERS)
            .where(ORDERS.c.id == pick(orders, args[0]))
            .values(owner_id=users[args[1]])
        )
    elif kind == "orders_hand_over":  # one statement, many orders: how a transfer moves them
        connection.execute(
            update(ORDERS)
            .where(ORDERS.c.owner_id == users[args[0]], ORDERS.c.status == "open")
            .values(owner_id=users[args[1]])
        )
    elif kind == "order_change" and orders:
        connection.execute(
            update(ORDERS)
            .where(ORDERS.c.id == pick(orders, args[0]))
            .values(status=args[1], total=Decimal(args[2]), ordered_on=args[3])
        )
    elif kind == "order_redate" and orders:  # the day alone: its lines move month
        connection.execute(
            update(ORDERS).where(ORDERS.c.id == pick(orders, args[0])).values(ordered_on=args[1])
        )
    elif kind == "line_change":  # a line's quantity and amount, or its product
        lines = list(connection.scalars(select(ORDER_LINES.c.id).order_by(ORDER_LINES.c.id)))
        if lines:
            line = pick(lines, args[0])
            product = connection.scalar(select(func.min(PRODUCTS.c.id)))
            values: dict[str, Any] = {"quantity": args[1], "amount": Decimal(args[2])}
            if args[1] == 5:
                values = {"product_id": product}
            connection.execute(update(ORDER_LINES).where(ORDER_LINES.c.id == line).values(values))
    elif kind == "order_drop" and orders:
        connection.execute(delete(ORDERS).where(ORDERS.c.id == pick(orders, args[0])))
    elif kind == "project" and customers:
        connection.execute(
            insert(PROJECTS).values(
                customer_id=pick(customers, args[0]),
                name=f"项目{uuid.uuid4().hex[:8]}",
                owner_id=users[args[1]] or users[1],
                category=args[2],
                stage_code=STAGES[args[3] % len(STAGES)],
                stage_entered_at=BASE,
                expected_amount=Decimal(args[4]),
                expected_close=args[5],
                created_at=BASE,
            )
        )
    elif kind == "project_move" and projects:  # another stage, amount and closing month
        connection.execute(
            update(PROJECTS)
            .where(PROJECTS.c.id == pick(projects, args[0]))
            .values(
                stage_code=STAGES[args[1] % len(STAGES)],
                expected_amount=Decimal(args[2]),
                expected_close=args[3],
            )
        )
    elif kind == "project_customer" and projects and customers:  # the customer alone
        connection.execute(
            update(PROJECTS)
            .where(PROJECTS.c.id == pick(projects, args[0]))
            .values(customer_id=pick(customers, args[1]))
        )
    elif kind == "project_seller" and projects:
        connection.execute(
            update(PROJECTS)
            .where(PROJECTS.c.id == pick(projects, args[0]))
            .values(owner_id=users[args[1]] or users[1], category=args[2])
        )
    elif kind == "projects_hand_over":  # one statement, many projects
        connection.execute(
            update(PROJECTS)
            .where(PROJECTS.c.owner_id == users[args[0]])
            .values(owner_id=users[args[1]] or users[1])
        )
    elif kind == "project_drop" and projects:
        connection.execute(delete(PROJECTS).where(PROJECTS.c.id == pick(projects, args[0])))
    elif kind == "team" and users[args[0]] is not None:  # a person moves to another team
        teams: list[int | None] = [None, *_ids(connection, TEAMS)]
        connection.execute(
            update(USERS)
            .where(USERS.c.id == users[args[0]])
            .values(team_id=teams[args[1] % len(teams)])
        )
    elif kind == "swap_teams":  # one statement: two people trade teams (a reorganisation)
        first, second = users[args[0]], users[args[1]]
        if first is not None and second is not None and first != second:
            before = dict(
                connection.execute(
                    select(USERS.c.id, USERS.c.team_id).where(USERS.c.id.in_([first, second]))
                ).all()
            )
            connection.execute(
                update(USERS)
                .where(USERS.c.id.in_([first, second]))
                .values(team_id=case((USERS.c.id == first, before[second]), else_=before[first]))
            )


n = st.integers(0, 50)
who = st.integers(0, 5)
days = st.dates(date(2026, 9, 25), date(2026, 11, 5))
money = st.sampled_from(["0", "99.99", "1000", "25000.50"])
#: "工程" gets a pipeline of its own in the world below; the others use the default one.
categories = st.sampled_from(["工程", "软件", "咨询"])
operations = st.one_of(
    st.tuples(st.just("log"), n, who, moments),
    st.tuples(st.just("team"), who, st.integers(0, 4)),
    st.tuples(st.just("swap_teams"), who, who),
    st.tuples(st.just("unlog"), n),
    st.tuples(st.just("log_many"), n, who, moments),
    st.tuples(st.just("shift"), n, st.sampled_from([30, 200, 24 * 60, -90])),
    st.tuples(st.just("unlog_user"), who),
    st.tuples(st.just("twins"), n, moments),
    st.tuples(st.just("plan"), n, st.one_of(st.none(), days)),
    st.tuples(st.just("relog"), n, moments, n),
    st.tuples(st.just("note")),
    st.tuples(st.just("owner"), n, who),
    st.tuples(st.just("hand_over"), who, who),
    st.tuples(st.just("bulk_hand_over"), who, who),
    st.tuples(st.just("profile"), n, who, moments),
    st.tuples(st.just("profile_owner"), who),
    st.tuples(st.just("grade"), n, grades, grades),
    st.tuples(st.just("regrade"), grades),
    st.tuples(st.just("profile_drop"), n),
    st.tuples(st.just("customer_redate"), n, moments),
    st.tuples(st.just("classify"), n, labels, labels, levels),
    st.tuples(st.just("remove"), n),
    st.tuples(st.just("customer"), n, levels, labels, who, moments),
    st.tuples(st.just("order"), n, who, days, money),
    st.tuples(
        st.just("order_change"), n, st.sampled_from(["open", "closed", "cancelled"]), money, days
    ),
    st.tuples(st.just("order_drop"), n),
    st.tuples(st.just("order_redate"), n, days),
    st.tuples(st.just("line_change"), n, st.integers(1, 5), money),
    st.tuples(st.just("pay"), n, st.integers(0, 2)),
    st.tuples(st.just("receive"), n, days, st.sampled_from(["0.01", "99.99", "1000"])),
    st.tuples(st.just("unreceive")),
    st.tuples(st.just("pay_customer"), n),
    st.tuples(st.just("replan"), n, n, days),
    st.tuples(st.just("unplan"), n),
    st.tuples(st.just("order_seller"), n, who),
    st.tuples(st.just("orders_hand_over"), who, who),
    st.tuples(st.just("project"), n, who, categories, n, money, days),
    st.tuples(st.just("project_move"), n, n, money, days),
    st.tuples(st.just("project_customer"), n, n),
    st.tuples(st.just("project_seller"), n, who, categories),
    st.tuples(st.just("projects_hand_over"), who, who),
    st.tuples(st.just("project_drop"), n),
)


def _stray_profile_owners(connection: Connection) -> list[Any]:
    """Profiles whose copy of the owner is not their customer's (customer_resources' triggers
    keep it: the team reminders read it)."""
    return list(
        connection.execute(
            select(PROFILES.c.customer_id, PROFILES.c.owner_id, CUSTOMERS.c.owner_id)
            .join(CUSTOMERS, CUSTOMERS.c.id == PROFILES.c.customer_id)
            .where(PROFILES.c.owner_id.is_distinct_from(CUSTOMERS.c.owner_id))
        )
    )


def _differences(connection: Connection, deployment: Deployment) -> dict[str, int]:
    with deployment.work("admin") as ctx:
        registered = ctx.registry(ROLLUPS).values()
    return {r.name: rollups.differences(connection, r, ZONE) for r in registered}


def test_every_rollup_is_installed_and_filled(world: Deployment) -> None:
    with world.engine.connect() as connection:
        differing = _differences(connection, world)
        names = set(connection.scalars(select(table_of(RollupState).c.name)))
    assert (
        set(differing)
        == names
        == {
            "rollup_interactions_by_day",
            "rollup_interactions_by_month",
            "rollup_newest_interaction",
            "rollup_customers_by_level",
            "rollup_customers_by_industry",
            "rollup_customers_by_region",
            "rollup_customers_by_month",
            "rollup_team_customers_by_month",
            "rollup_team_customers_by_level",
            "rollup_team_interactions_by_day",
            "rollup_cr_sales_by_seller",
            "rollup_cr_sales_by_industry",
            "rollup_cr_sales_by_region",
            "rollup_cr_owed_by_due_day",
            "rollup_cr_owed_by_due_month",
            "rollup_cr_owed_by_seller",
            "rollup_cr_owed_by_customer",
            "rollup_cr_team_owed_by_due_day",
            "rollup_cr_team_owed_by_due_month",
            "rollup_cr_team_owed_by_seller",
            "rollup_cr_team_sales_by_seller",
            "rollup_cr_team_sales_by_industry",
            "rollup_cr_team_sales_by_region",
            "rollup_cr_sales_by_product",
            "rollup_cr_team_sales_by_product",
            "rollup_cr_new_customers_by_industry",
            "rollup_cr_new_customers_by_region",
            "rollup_cr_team_new_customers_by_industry",
            "rollup_cr_team_new_customers_by_region",
            "rollup_cr_profiles_by_grade",
            "rollup_cr_team_profiles_by_grade",
            "rollup_cr_receipts_by_seller",
            "rollup_cr_receipts_by_industry",
            "rollup_cr_receipts_by_region",
            "rollup_cr_unpaid_installment",
            "rollup_ps_projects_by_stage",
            "rollup_ps_team_projects_by_stage",
        }
    )
    assert set(differing.values()) == {0}


def test_any_sequence_of_writes_keeps_every_rollup_equal_to_its_source(world: Deployment) -> None:
    _any_sequence_keeps_rollups_equal(world, int(os.environ.get("CRM_ROLLUP_EXAMPLES", "30")))


@pytest.mark.crm_postgres_only
def test_statements_planned_for_their_size_keep_every_rollup_equal(
    world: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writes of the test above, with every PostgreSQL trigger statement taking the path
    that large statements take (`EXECUTE`, decision 0026) instead of the session's plans: the
    small worlds of these tests rarely write more than 64 rows at once."""
    monkeypatch.setattr(rollup_triggers, "FEW_ROWS", 0)
    with world.work("admin", write=True) as ctx:
        rebuilt = rollups.sync(ctx.session.connection(), ctx.registry(ROLLUPS).values(), ZONE)
    assert "rollup_customers_by_month" in rebuilt
    with world.engine.connect() as connection:
        functions = connection.exec_driver_sql(
            "SELECT prosrc FROM pg_proc WHERE proname = 'rollup_customers_by_month_on_update'"
        ).scalar_one()
    assert "OFFSET 0) THEN" in functions
    _any_sequence_keeps_rollups_equal(world, 15)


def _any_sequence_keeps_rollups_equal(world: Deployment, examples: int) -> None:
    with world.engine.connect() as connection:
        users: list[int | None] = [None, *_ids(connection, table_of(User))[:5]]

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(operations, min_size=1, max_size=12))
    def run(ops: list[tuple[Any, ...]]) -> None:
        with world.engine.connect() as connection:
            transaction = connection.begin()
            try:
                for op in ops:
                    apply(connection, op, users)
                differing = _differences(connection, world)
                assert set(differing.values()) == {0}, (differing, ops)
                assert _stray_profile_owners(connection) == [], ops
            finally:
                transaction.rollback()

    run()


def test_rows_keyed_by_their_customer_are_never_added_as_the_ids_above_the_largest() -> None:
    """Profiles are keyed by their customer, not by a growing id: SQLite's bulk inserts cannot
    add them as the rows above the largest key (`customer_rows_inserting` does it by
    customer). The customers themselves are always keyed by id."""
    assert RollupSql(PROFILES_BY_GRADE, sqlite.dialect(), ZONE).bulk_insert_sql() is None
    assert RollupSql(CUSTOMERS_BY_MONTH, sqlite.dialect(), ZONE).bulk_insert_sql() is not None
    with pytest.raises(PluginError, match="keyed by id"):
        attrs.evolve(CUSTOMERS_BY_MONTH, key="owner_id").validate()


def test_profiles_added_in_bulk_are_counted_and_leave_every_trigger_in_place(
    world: Deployment,
) -> None:
    """`ensure_profiles` for many customers at once, some with a profile already, some graded
    before: every rollup equals its source and the triggers are all back afterwards."""
    from crm_customer_resources.services import lifecycle as profiles

    with world.engine.connect() as connection:
        installed = _triggers(connection)
    with world.work("admin", write=True) as ctx:
        connection = ctx.session.connection()
        users = [None, *_ids(connection, table_of(User))[:5]]
        connection.execute(insert(CUSTOMERS), _bulk_customers(150, users))
        new = list(
            connection.scalars(select(CUSTOMERS.c.id).where(CUSTOMERS.c.name.like("批量客户%")))
        )
        for k in range(0, 40, 4):  # a few already have a profile, some of them graded
            apply(connection, ("profile", k, 1, BASE), users)
            apply(connection, ("grade", k, [2, None][k % 8 // 4], None), users)
        connection.execute(insert(PROFILES).values(customer_id=new[0], grade=4))
        profiles.ensure_profiles(ctx, _ids(connection, CUSTOMERS))
        assert (
            connection.scalar(
                select(func.count())
                .select_from(CUSTOMERS)
                .where(~CUSTOMERS.c.id.in_(select(PROFILES.c.customer_id)))
            )
            == 0
        )
        assert set(_differences(connection, world).values()) == {0}
        assert _triggers(connection) == installed
        apply(connection, ("grade", 7, 5, 1), users)  # a write afterwards is counted
        assert set(_differences(connection, world).values()) == {0}


def test_an_order_moved_to_another_month_takes_its_lines_along(world: Deployment) -> None:
    """The order's day alone changes (not its status): its lines leave October's sales per
    product for November's, in the rollup as in the source."""
    with world.engine.begin() as connection:
        users: list[int | None] = [None, *_ids(connection, table_of(User))[:2]]
        apply(connection, ("customer", 0, "lead", None, 1, BASE), users)
        apply(connection, ("order", 10**6, 1, date(2026, 10, 30), "500"), users)
        newest = max(_ids(connection, ORDERS))
        orders = _ids(connection, ORDERS)
        apply(connection, ("order_redate", orders.index(newest), date(2026, 11, 2)), users)
        assert set(_differences(connection, world).values()) == {0}
    october = {"by": "product", "since": "2026-10-01", "until": "2026-10-31"}
    november = {"by": "product", "since": "2026-11-01", "until": "2026-11-30"}
    with world.work("admin") as ctx:
        assert reports.run(ctx, "sales", october).rows == []
        moved = reports.run(ctx, "sales", november).records()
        assert sum(row["amount"] for row in moved) == Decimal("500")


def test_a_rollup_that_was_edited_by_hand_is_caught_and_rebuilt(
    world: Deployment, crm_cli: Any
) -> None:
    with world.engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE rollup_interactions_by_day SET interactions = interactions + 1"
        )
    broken: CliResult = crm_cli("rollups", "status", "--check", "--format", "json")
    assert broken.exit_code == 1
    assert "rollup_interactions_by_day" in broken.stderr
    assert "\n" not in broken.stderr.strip() and "Traceback" not in broken.stderr
    rebuilt = crm_cli("rollups", "rebuild", "rollup_interactions_by_day")
    assert rebuilt.exit_code == 0, rebuilt.stderr
    fixed = crm_cli("rollups", "status", "--check", "--format", "json")
    assert fixed.exit_code == 0
    assert {row["differing"] for row in fixed.json()} == {0}


def test_only_an_admin_inspects_or_rebuilds_rollups(world: Deployment, crm_cli: Any) -> None:
    for args in (("rollups", "status"), ("rollups", "rebuild")):
        refused = crm_cli(*args, as_login="boss")
        assert refused.exit_code != 0
        assert "admin" in refused.stderr
    unknown = crm_cli("rollups", "rebuild", "rollup_nothing")
    assert unknown.exit_code != 0 and "rollup_nothing" in unknown.stderr


def test_a_new_time_zone_rebuckets_the_days(world: Deployment, crm_cli: Any) -> None:
    # 23:30 in Shanghai is 15:30 the same day in UTC but 11:30 in New York: one day earlier
    # for the rollup only if it was rebuilt in the new zone.
    assert crm_cli("config", "set", "timezone", "America/New_York").exit_code == 0
    with world.engine.connect() as connection:
        zone = connection.scalar(
            select(table_of(RollupState).c.zone).where(
                table_of(RollupState).c.name == "rollup_interactions_by_day"
            )
        )
        assert zone == "America/New_York"
        with world.work("admin") as ctx:
            for rollup in ctx.registry(ROLLUPS).values():
                assert rollups.differences(connection, rollup, "America/New_York") == 0


AGEING_BUCKETS = ["not_due", "1_30", "31_60", "61_90", "over_90"]
REPORTS = [
    ("interactions-per-day", {}),
    ("interactions-per-day", {"since": "2026-10-31", "until": "2026-11-02"}),
    ("interactions-per-day", {"by": "day", "logged_by": "team"}),
    ("interactions-per-day", {"by": "day", "since": "2026-10-31", "until": "2026-11-02"}),
    ("customers-by-segment", {"by": "level", "kind": "customer"}),
    ("customers-by-segment", {"by": "team", "kind": "customer"}),
    ("customers-by-segment", {"by": "level"}),
    ("customers-by-segment", {"by": "owner"}),
    ("customers-by-segment", {"by": "industry", "kind": "customer"}),
    ("customers-by-segment", {"by": "region"}),
    ("customers-by-segment", {"by": "kind"}),
    ("new-customers-by-month", {}),
    ("new-customers-by-month", {"since": "2026-10-01", "until": "2026-10-31"}),
    ("sales", {"by": "month"}),
    ("sales", {"by": "month,salesperson,industry"}),
    ("sales", {"by": "region,salesperson", "since": "2026-10-01"}),
    ("sales", {"by": "salesperson", "since": "2026-10-01", "until": "2026-10-31"}),
    ("sales", {"by": "industry,region"}),
    ("sales", {"by": "product"}),
    ("sales", {"by": "product", "since": "2026-10-01", "until": "2026-10-31"}),
    ("sales", {"by": "product", "since": "2026-10-03"}),
    ("customer-development", {"by": "industry"}),
    ("customer-development", {"by": "region", "since": "2026-10-01", "until": "2026-10-31"}),
    ("customer-development", {"by": "month"}),
    ("customer-development", {"by": "level", "since": "2026-10-01"}),
    ("customer-development", {"by": "owner"}),
    ("customer-development", {"by": "team"}),
    ("customer-development", {"by": "industry", "since": "2026-10-05"}),
    ("customer-development", {"by": "grade"}),
    ("customer-development", {"by": "grade", "since": "2026-10-01", "until": "2026-10-31"}),
    ("customer-development", {"by": "grade", "since": "2026-10-05"}),
    ("salesperson-activity", {}),
    ("salesperson-activity", {"logged_by": "team", "since": "2026-10-31"}),
    ("salesperson-activity", {"by": "salesperson", "logged_by": "team"}),
    ("salesperson-activity", {"by": "salesperson", "since": "2026-11-01"}),
    ("salesperson-activity", {"since": "2026-10-31", "until": "2026-11-01"}),
    ("salesperson-activity", {"by": "team", "logged_by": "team"}),
    ("salesperson-activity", {"by": "team", "since": "2026-11-01"}),
    # active days from whole months, from the days around them, and both (decision 0027)
    ("salesperson-activity", {"by": "salesperson", "since": "2026-10-01", "until": "2026-10-31"}),
    ("salesperson-activity", {"by": "salesperson", "since": "2026-10-31", "until": "2026-11-03"}),
    ("salesperson-activity", {"by": "salesperson", "since": "2026-10-15"}),
    ("salesperson-activity", {"by": "salesperson", "until": "2026-11-04"}),
    ("salesperson-activity", {"by": "salesperson", "since": "2026-09-15", "until": "2026-11-30"}),
    ("salesperson-activity", {"by": "team", "logged_by": "team", "since": "2026-10-02"}),
    # by team: the days of a cut month from the month rollup's sets, masked (and none inside)
    ("salesperson-activity", {"by": "team", "since": "2026-10-31", "until": "2026-11-03"}),
    ("salesperson-activity", {"by": "team", "logged_by": "team", "until": "2026-11-02"}),
    ("salesperson-activity", {"by": "team", "since": "2026-11-02", "until": "2026-11-02"}),
    ("salesperson-activity", {"by": "team", "since": "2026-11-25", "until": "2026-11-28"}),
    ("receivables-ageing", {"by": "salesperson"}),
    ("receivables-ageing", {"by": "salesperson", "on": "2026-11-12"}),
    ("receivables-ageing", {"by": "salesperson", "on": "2027-01-20"}),
    ("receivables-ageing", {"by": "salesperson", "on": "2027-03-15"}),
    ("receivables-ageing", {"by": "salesperson", "on": "2026-09-20"}),
    # the oldest edge early in October: that month is read whole into 61-90 days
    ("receivables-ageing", {"by": "salesperson", "on": "2027-01-03"}),
    ("pipeline", {"by": "month"}),
    ("pipeline", {"by": "owner"}),
    ("pipeline", {"by": "category"}),
    ("customers-by-segment", {"by": "team"}),
    ("sales", {"by": "team"}),
    ("sales", {"by": "month,team,industry"}),
    ("sales", {"by": "industry,team", "since": "2026-10-01", "until": "2026-10-31"}),
    ("sales", {"by": "region"}),
    ("receivables-ageing", {"by": "team"}),
    ("receivables-ageing", {"by": "team", "on": "2027-01-20"}),
    ("pipeline", {"by": "team"}),
    ("receipts", {"by": "month"}),
    ("receipts", {"by": "salesperson", "since": "2026-10-01", "until": "2026-11-30"}),
    ("receipts", {"by": "team"}),
    ("receipts", {"by": "industry"}),
    ("receipts", {"by": "region", "since": "2026-10-01", "until": "2026-11-30"}),
    # windows that split months: the whole months from a rollup, the days around from the rows
    ("sales", {"by": "month,salesperson,industry", "since": "2026-09-20", "until": "2026-11-05"}),
    ("sales", {"by": "team", "since": "2026-10-03"}),  # a cancelled order on the 4th
    ("sales", {"by": "month,team", "until": "2026-11-05"}),
    ("sales", {"by": "region", "since": "2026-09-20"}),
    ("sales", {"by": "month,team,industry", "since": "2026-09-03", "until": "2026-11-20"}),
    ("sales", {"by": "team,region", "since": "2026-09-20", "until": "2026-11-05"}),
    ("sales", {"by": "month", "since": "2026-10-05", "until": "2026-11-05"}),
    ("receipts", {"by": "salesperson", "since": "2026-10-20", "until": "2026-11-20"}),
    ("receipts", {"by": "industry", "since": "2026-10-05"}),
    ("receipts", {"by": "team", "until": "2026-11-20"}),
    ("receipts", {"by": "month", "since": "2026-10-20"}),
    ("receipts", {"by": "region", "since": "2026-10-20", "until": "2026-11-20"}),
    ("customer-development", {"by": "level", "since": "2026-10-31"}),
    ("customer-development", {"by": "owner", "until": "2026-11-05"}),
    ("customer-development", {"by": "team", "since": "2026-10-31", "until": "2026-11-05"}),
    ("customer-development", {"by": "industry", "since": "2026-09-30", "until": "2026-11-05"}),
    ("customer-development", {"by": "region", "since": "2026-10-31"}),
    ("customer-development", {"by": "month", "until": "2026-11-05"}),
    ("new-customers-by-month", {"since": "2026-10-31"}),
    ("customer-development", {"by": "grade", "since": "2026-09-30", "until": "2026-11-05"}),
    ("sales", {"by": "product", "since": "2026-09-20", "until": "2026-11-05"}),
    ("new-customers-by-month", {"since": "2026-09-30", "until": "2026-11-05"}),
]

#: Reports by a person and by their team: (name, the person's dimension, other parameters,
#: the columns that add up); any other column is a key (margin_pct, a ratio, is left out).
BY_TEAM = [
    ("customers-by-segment", "owner", {}, ["count"]),
    ("customer-development", "owner", {}, ["count"]),
    ("sales", "salesperson", {}, ["orders", "amount"]),
    ("sales", "salesperson", {"since": "2026-10-01", "until": "2026-10-20"}, ["orders", "amount"]),
    ("receipts", "salesperson", {}, ["payments", "amount"]),
    ("receivables-ageing", "salesperson", {}, [*AGEING_BUCKETS, "total"]),
    ("receivables-ageing", "salesperson", {"on": "2027-01-20"}, [*AGEING_BUCKETS, "total"]),
    ("pipeline", "owner", {}, ["projects", "amount", "weighted"]),
    ("project-profitability", "owner", {}, ["projects", "contract", "costs", "expenses", "profit"]),
]


@pytest.mark.parametrize("login", ["admin", "boss", "east_mgr", "sh_sales1", "south_sales"])
def test_reports_from_rollups_equal_reports_from_the_source_rows(
    world: Deployment, login: str
) -> None:
    """Each report that reads a rollup gives, for each person, exactly what the aggregation of
    the source rows they may see gives (the source path is taken when the rollup is unknown)."""
    _busy(world)
    due_by = (BASE + timedelta(days=9)).date()
    with world.work(login, write=True) as ctx:
        rolled = {(n, tuple(p.items())): reports.run(ctx, n, p) for n, p in REPORTS}
        assert len(next(iter(rolled.values())).rows) > 0 or login != "admin"
        due = reminders.collect(ctx, due_by)
        assert any(r["kind"] == "follow-up" for r in due) or login != "boss"
        assert any(r["kind"] == "dunning (team)" for r in due) or login != "boss"
        # The ageing without the totals per salesperson: every month read from the monthly
        # rollup (a deployment whose new rollup is not built yet).
        ctx.session.execute(delete(RollupState).where(RollupState.name == OWED_BY_SELLER))
        for (name, params), table in rolled.items():
            if name == "receivables-ageing":
                assert reports.run(ctx, name, dict(params)) == table, (name, params)
        ctx.session.execute(delete(RollupState))
        for (name, params), table in rolled.items():
            source = reports.run(ctx, name, dict(params))
            assert source == table, (name, params)
            # the same types too (a count read as 3.0 or Decimal("3") prints otherwise)
            kinds = {tuple(type(value) for value in row) for row in source.rows}
            assert kinds >= {tuple(type(value) for value in row) for row in table.rows}, name
        assert reminders.collect(ctx, due_by) == due
        ctx.session.rollback()


#: Reports whose rows can run to hundreds of thousands, which read their first rows alone
#: (`reports.first_rows`), beside every report of REPORTS (cut after the run if they do not).
LONG_REPORTS = [
    ("interactions-per-day", {"by": "salesperson"}),
    ("salesperson-activity", {"by": "day", "since": "2026-10-31"}),
    ("receivables-ageing", {"by": "customer"}),
    ("receivables-ageing", {"by": "customer", "on": "2027-01-20"}),
    ("project-monthly", {}),
    ("project-profitability", {"by": "customer"}),
]


@pytest.mark.parametrize("login", ["admin", "boss", "sh_sales1"])
def test_a_report_run_for_its_first_rows_gives_the_first_rows_of_the_whole_run(
    world: Deployment, login: str
) -> None:
    """`first=N` gives the whole run's first N rows, in its order, and says whether there are
    more, from rollups and from the source rows alike (a report's `first_rows` must limit only
    the query whose rows are its rows)."""
    _busy(world)
    with world.work(login, write=True) as ctx:
        for ready in (True, False):
            if not ready:
                ctx.session.execute(delete(RollupState))
            for name, params in [*REPORTS, *LONG_REPORTS]:
                whole = reports.run(ctx, name, params).rows
                for first in sorted({0, 1, 2, len(whole) // 2, len(whole)}):
                    table = reports.run(ctx, name, params, first=first)
                    assert list(table.rows) == list(whole[:first]), (name, params, first)
                    assert table.more == (len(whole) > first), (name, params, first)
        with pytest.raises(ValidationError, match="first must be 0 or more"):
            reports.run(ctx, "sales", {}, first=-1)
        ctx.session.rollback()


def test_first_rows_along_the_day_index_still_come_whole_when_rows_merge(
    world: Deployment,
) -> None:
    """A first-rows run reads the days up to the one 2N rollup rows along the day index; when
    those rows merge into N groups or fewer (one person's day on many owners' customers), it
    reads on, and the first rows and `more` stay those of the whole run."""
    _busy(world)
    day = datetime(2027, 3, 10, 4, tzinfo=UTC)  # noon in Shanghai, after everything else
    with world.engine.begin() as connection:
        users = [None, *_ids(connection, table_of(User))[:6]]
        for k in range(6):  # one person, six customers of (mostly) different owners: one group
            apply(connection, ("log", k, 2, day + timedelta(minutes=k)), users)
        apply(connection, ("log", 0, 2, day + timedelta(days=1)), users)
    window = {"since": "2027-03-10"}
    with world.work("admin") as ctx:
        for name, params in [
            ("interactions-per-day", {**window, "by": "salesperson"}),
            ("salesperson-activity", {**window, "by": "day"}),
        ]:
            whole = reports.run(ctx, name, params).rows
            assert len(whole) == 2, (name, whole)
            first = reports.run(ctx, name, params, first=1)
            assert list(first.rows) == list(whole[:1]) and first.more, name


def test_the_largest_debtors_first_sum_only_the_debtors_the_rollup_bounds(
    world: Deployment,
) -> None:
    """Ageing by customer asked for its first rows reads the N+1th largest debt from each
    customer's debt (`rollup_cr_owed_by_customer`) and sums the installments of the customers
    at or above it only, named by id; ties at that debt are all summed, so the order by name
    stays whole."""
    _busy(world)
    sent: list[str] = []

    def keep(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    params = {"by": "customer"}
    with world.work("boss") as ctx:
        whole = reports.run(ctx, "receivables-ageing", params).rows
        totals = [row[-1] for row in whole]
        assert len(set(totals)) < len(totals) > 4  # ties among the debts
        event.listen(world.engine, "before_cursor_execute", keep)
        try:
            for first in range(len(whole) + 1):
                sent.clear()
                table = reports.run(ctx, "receivables-ageing", params, first=first)
                assert list(table.rows) == list(whole[:first]), first
                summed = [s for s in sent if "FROM cr_installment" in s]
                assert len(summed) == 1, first
                assert re.search(r"cr_installment\.customer_id (IN|= ANY)", summed[0]), first
                bound = [s for s in sent if "SELECT rollup_cr_owed_by_customer.owed" in s]
                assert len(bound) == 1, first
        finally:
            event.remove(world.engine, "before_cursor_execute", keep)


def test_more_debtors_than_can_be_named_are_summed_from_every_unpaid_installment(
    world: Deployment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the number of debtors the ageing by customer names by id, it sums every unpaid
    installment the reader may see, as without the rollup: the same rows, first rows too."""
    _busy(world)
    params = {"by": "customer"}
    with world.work("boss") as ctx:
        whole = reports.run(ctx, "receivables-ageing", params).rows
        assert len(whole) > 3
        monkeypatch.setattr(cr_reports, "_NAMED_DEBTORS", 2)
        sent: list[str] = []

        def keep(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            sent.append(statement)

        event.listen(world.engine, "before_cursor_execute", keep)
        try:
            assert reports.run(ctx, "receivables-ageing", params).rows == whole
            summed = [s for s in sent if "FROM cr_installment" in s]
            assert not re.search(r"cr_installment\.customer_id (IN|= ANY)", summed[0])
            first = reports.run(ctx, "receivables-ageing", params, first=1)  # 2 to name
            assert list(first.rows) == list(whole[:1]) and first.more
        finally:
            event.remove(world.engine, "before_cursor_execute", keep)


@pytest.mark.parametrize("login", ["admin", "boss"])
def test_a_month_read_whole_less_the_days_outside_the_window_leaves_no_empty_group(
    world: Deployment, login: str
) -> None:
    """A window from a month's 2nd reads that month whole from the rollup less the 1st's rows
    (fewer days than the 30 inside); a group whose rows all fall on the 1st nets to nothing and
    is left out, as the source rows leave it out."""
    _busy(world)
    with world.engine.begin() as connection:
        users = [None, *_ids(connection, table_of(User))[:6]]
        apply(connection, ("order", 7, 1, date(2027, 1, 1), "88.00"), users)
        apply(connection, ("receive", -1, date(2027, 1, 1), "10.00"), users)  # the new order's
        apply(connection, ("order", 8, 2, date(2027, 1, 9), "66.00"), users)
        apply(connection, ("receive", -1, date(2027, 1, 9), "20.00"), users)
    window = {"since": "2027-01-02", "until": "2027-02-28"}
    cases = [
        ("sales", {**window, "by": "month,salesperson"}),
        ("sales", {**window, "by": "month,team"}),
        ("sales", {**window, "by": "industry"}),
        ("sales", {**window, "by": "product"}),  # the 1st's order alone has a line of P-2
        ("receipts", {**window, "by": "salesperson"}),
        ("receipts", {**window, "by": "month"}),
    ]
    with world.work(login, write=True) as ctx:
        rolled = [reports.run(ctx, name, params) for name, params in cases]
        ctx.session.execute(delete(RollupState))
        for (name, params), table in zip(cases, rolled, strict=True):
            source = reports.run(ctx, name, params)
            assert table == source, (name, params)
            assert len(source.rows) == 1, (name, params, source.rows)  # the 9th's alone
        ctx.session.rollback()


def _team_of(world: Deployment) -> dict[str, str | None]:
    """Each login's team name, read in plain SQL (None: no team)."""
    with world.engine.connect() as connection:
        return dict(
            connection.execute(
                select(table_of(User).c.login, table_of(Team).c.name).outerjoin(
                    table_of(Team), table_of(Team).c.id == table_of(User).c.team_id
                )
            ).all()
        )


@pytest.mark.parametrize("login", ["admin", "boss", "east_mgr", "sh_sales1"])
def test_a_team_s_row_adds_up_its_people_s_rows(world: Deployment, login: str) -> None:
    """Grouped by team, each report gives the sums of its rows by person, each person put under
    the team the database says they belong to (read here in plain SQL); rows of nobody, and of
    people without a team, under None. Whole months come from the rollups, odd windows from the
    source rows: both paths are crossed."""
    _busy(world)
    team_of = _team_of(world)
    assert len(set(team_of.values())) > 2
    shared = 0
    with world.work(login) as ctx:
        for name, person, params, measures in BY_TEAM:
            by_person = reports.run(ctx, name, {**params, "by": person}).records()
            by_team = reports.run(ctx, name, {**params, "by": "team"}).records()
            skip = {*measures, "margin_pct"}
            expected: dict[Any, dict[str, Any]] = {}
            for row in by_person:
                named = {**row, "team": team_of.get(row[person])}
                key = sorted((k, v) for k, v in named.items() if k not in {*skip, person})
                sums = expected.setdefault(tuple(key), {})
                for measure in measures:
                    sums[measure] = sums.get(measure, 0) + row[measure]
            got = {
                tuple(sorted((k, v) for k, v in row.items() if k not in skip)): {
                    m: row[m] for m in measures
                }
                for row in by_team
            }
            assert got == expected, (name, params)
            shared += len(by_person) - len(by_team)
    assert shared > 0 or login == "sh_sales1"  # some team held several people's rows


@pytest.mark.parametrize("login", ["admin", "boss", "east_mgr", "sh_sales1"])
def test_activity_by_team_adds_up_its_people_s_activity(world: Deployment, login: str) -> None:
    """Each team's row: how many people the per-person report lists under it, their
    interactions and active days added up, and how many of them logged nothing."""
    _busy(world)
    team_of = _team_of(world)
    idle_seen = 0
    with world.work(login) as ctx:
        for params in ({"logged_by": "team"}, {}, {"since": "2026-10-31", "until": "2026-11-02"}):
            people = reports.run(ctx, "salesperson-activity", {**params, "by": "salesperson"})
            expected: dict[Any, list[int]] = {}
            for row in people.records():
                sums = expected.setdefault(team_of[row["user"]], [0, 0, 0, 0])
                sums[0] += 1
                sums[1] += row["interactions"]
                sums[2] += row["active_days"]
                sums[3] += row["interactions"] == 0
            teams = reports.run(ctx, "salesperson-activity", {**params, "by": "team"})
            assert teams.columns == ("team", "people", "interactions", "active_days", "idle")
            assert {row[0]: list(row[1:]) for row in teams.rows} == expected, params
            assert len(teams.rows) == len(expected)
            idle_seen += sum(row[4] for row in teams.rows)
    assert idle_seen > 0 or login != "boss"  # the boss has people who logged nothing


#: Reports (by team, and the receipts by customer attribute) and the rollup each reads instead
#: of its source table.
ROLLUP_READS = [
    ("customers-by-segment", {"by": "team"}, "rollup_team_customers_by_level", "crm_customer"),
    (
        "customers-by-segment",
        {"by": "level"},
        "rollup_team_customers_by_level",
        "rollup_customers_by_level",
    ),
    ("customers-by-segment", {"by": "owner"}, "rollup_customers_by_level", "crm_customer"),
    ("sales", {"by": "month,team"}, "rollup_cr_team_sales_by_seller", "cr_order"),
    ("sales", {"by": "month"}, "rollup_cr_team_sales_by_seller", "rollup_cr_sales_by_seller"),
    ("sales", {"by": "month,salesperson"}, "rollup_cr_sales_by_seller", "cr_order"),
    (
        "interactions-per-day",
        {"by": "day", "logged_by": "team"},
        "rollup_team_interactions_by_day",
        "rollup_interactions_by_day",
    ),
    ("sales", {"by": "team,region"}, "rollup_cr_team_sales_by_region", "cr_order"),
    ("sales", {"by": "region"}, "rollup_cr_team_sales_by_region", "rollup_cr_sales_by_region"),
    (
        "sales",
        {"by": "month,team,industry"},
        "rollup_cr_team_sales_by_industry",
        "rollup_cr_sales_by_industry",
    ),
    (
        "sales",
        {"by": "month,team,industry", "since": "2026-09-03", "until": "2026-11-20"},
        "rollup_cr_team_sales_by_industry",
        "rollup_cr_sales_by_industry",
    ),
    ("receivables-ageing", {"by": "team"}, "rollup_cr_team_owed_by_due_month", "cr_installment"),
    (
        "receivables-ageing",
        {"by": "team"},
        "rollup_cr_team_owed_by_seller",
        "rollup_cr_owed_by_due_month",
    ),
    ("new-customers-by-month", {}, "rollup_team_customers_by_month", "rollup_customers_by_month"),
    ("receivables-ageing", {"by": "salesperson"}, "rollup_cr_owed_by_seller", "cr_installment"),
    ("pipeline", {"by": "team"}, "rollup_ps_team_projects_by_stage", "ps_project"),
    (
        "pipeline",
        {"by": "month"},
        "rollup_ps_team_projects_by_stage",
        "rollup_ps_projects_by_stage",
    ),
    ("receipts", {"by": "team"}, "rollup_cr_receipts_by_seller", "cr_payment"),
    # a window that splits months reads the rows of the days around the whole months only
    ("sales", {"by": "month,team", "since": "2026-10-05"}, "rollup_cr_team_sales_by_seller", ""),
    ("sales", {"by": "salesperson", "until": "2026-11-05"}, "rollup_cr_sales_by_seller", ""),
    ("receipts", {"by": "region", "since": "2026-10-20"}, "rollup_cr_receipts_by_region", ""),
    (
        "customer-development",
        {"by": "industry", "since": "2026-10-31"},
        "rollup_cr_team_new_customers_by_industry",
        "",
    ),
    ("receipts", {"by": "industry"}, "rollup_cr_receipts_by_industry", "cr_payment"),
    ("receipts", {"by": "region"}, "rollup_cr_receipts_by_region", "cr_payment"),
    (
        "customer-development",
        {"by": "industry"},
        "rollup_cr_team_new_customers_by_industry",
        "crm_customer",
    ),
    (
        "customer-development",
        {"by": "region", "since": "2026-10-01"},
        "rollup_cr_team_new_customers_by_region",
        "rollup_cr_new_customers_by_region",
    ),
    ("customer-development", {"by": "team"}, "rollup_team_customers_by_month", "crm_customer"),
    ("sales", {"by": "product"}, "rollup_cr_team_sales_by_product", "cr_order_line"),
    ("customer-development", {"by": "owner"}, "rollup_customers_by_month", "crm_customer"),
    ("customer-development", {"by": "grade"}, "rollup_cr_team_profiles_by_grade", "crm_customer"),
    (
        "salesperson-activity",
        {"by": "salesperson"},
        "rollup_interactions_by_month",
        "rollup_interactions_by_day",
    ),
    ("salesperson-activity", {"by": "team"}, "rollup_interactions_by_month", "crm_interaction"),
    (
        "salesperson-activity",
        {"by": "team", "since": "2026-10-31", "until": "2026-11-03"},
        "rollup_team_interactions_by_day",
        "rollup_interactions_by_day",
    ),
    (
        "customer-development",
        {"by": "grade"},
        "rollup_cr_team_profiles_by_grade",
        "cr_customer_profile",
    ),
]


@pytest.mark.parametrize(("name", "params", "rollup", "source"), ROLLUP_READS)
def test_a_report_reads_the_rollup_its_figures_come_from_not_the_source(
    world: Deployment, name: str, params: dict[str, str], rollup: str, source: str
) -> None:
    _busy(world)
    sent: list[str] = []

    def keep(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    event.listen(world.engine, "before_cursor_execute", keep)
    try:
        with world.work("boss") as ctx:
            assert reports.run(ctx, name, params).rows
    finally:
        event.remove(world.engine, "before_cursor_execute", keep)
    read = " ".join(sent)
    assert re.search(rf"\b{rollup}\b", read)
    assert not source or not re.search(rf"\b{source}\b", read), f"{name} {params} read {source}"


#: The ageing's totals per salesperson, read instead of the months before the oldest edge.
OWED_BY_SELLER = "rollup_cr_owed_by_seller"


def _busy(world: Deployment) -> None:
    """Customers, interactions, orders, payments and projects of six people (and of nobody),
    with cancellations, hand-overs and moves between them."""
    with world.engine.begin() as connection:
        users = [None, *_ids(connection, table_of(User))[:6]]
        ops: list[tuple[Any, ...]] = []
        for k in range(40):
            at = BASE + timedelta(hours=7 * k)
            ops.append(("log", k, k % 6, at))
            ops.append(("customer", k, ["lead", "vip"][k % 2], ["零售", None][k % 2], k % 6, at))
            ops.append(("order", k, k % 6, date(2026, 10, 1) + timedelta(days=k), "120.50"))
        ops += [("order_change", 3, "cancelled", "10", date(2026, 10, 9)), ("hand_over", 2, 4)]
        ops += [("twins", 5, BASE + timedelta(days=3)), ("plan", 7, None), ("unlog", 11)]
        # one person's days under two owners: a day with both (their own customer, another's),
        # a day with the other owner's alone
        ops.append(("log", 2, 1, BASE + timedelta(hours=7, minutes=1)))
        ops.append(("log", 2, 1, BASE + timedelta(days=12)))
        ops += [("pay", 4, 1), ("pay", 9, 2), ("order_seller", 6, 3), ("orders_hand_over", 1, 2)]
        for k in range(0, 40, 3):  # payments over two months, some on orders that change hands
            ops.append(("receive", k, date(2026, 10, 2) + timedelta(days=2 * k), "300.25"))
        for k in range(0, 40, 5):  # regions and industries, some set after the payments
            ops.append(("classify", k, ["制造", None][k % 2], ["华东", "华南", None][k % 3], "vip"))
        for k in range(0, 40, 2):  # profiles for half the customers, most of them graded
            ops.append(("profile", k, k % 6, at))
            ops.append(("grade", k, [1, 3, None, 5][k // 2 % 4], [None, None, 3][k % 3]))
        _own_pipeline(connection, "工程")
        amounts = ["99.99", "1000", "25000.50", "0.03"]
        for k in range(30):
            close = date(2026, 9, 20) + timedelta(days=9 * k)
            ops.append(("project", 3 * k, k % 6, ["工程", "软件"][k % 2], k, amounts[k % 4], close))
        # twins of three projects (same owner, category, stage and month): rollup rows of two
        for k in (2, 7, 13):
            close = date(2026, 9, 20) + timedelta(days=9 * k)
            ops.append(("project", 3 * k, k % 6, ["工程", "软件"][k % 2], k, "10", close))
        ops += [("project_move", 4, 3, "77.77", date(2027, 2, 1)), ("projects_hand_over", 3, 5)]
        ops += [("project_seller", 8, 2, "咨询"), ("project_drop", 12), ("owner", 9, 1)]
        ops += [("project_customer", 6, 1)]
        for op in ops:
            apply(connection, op, users)


def test_whole_months_are_read_from_the_rollup_and_odd_windows_from_the_source() -> None:
    window = reports.month_key_window
    row = table_of(RollupState).c.name  # any column: only the terms' presence matters here
    assert window(row, {}) == []
    assert window(row, {"since": date(2026, 3, 1), "until": date(2026, 4, 30)}) is not None
    assert window(row, {"since": date(2026, 3, 2)}) is None
    assert window(row, {"until": date(2026, 4, 29)}) is None
    assert window(row, {"until": date(2024, 2, 29)}) is not None
    assert reports.last_months(12)(date(2026, 1, 15)) == {"since": "2025-02-01"}
    assert reports.last_months(1)(date(2026, 11, 23)) == {"since": "2026-11-01"}


def test_visibility_applies_to_rollups(world: Deployment) -> None:
    """A salesperson's count from the rollup is their own customers plus the pool, no more."""
    with world.work("sh_sales1") as ctx:
        from crm_core.features.customers.rollups import CustomersByLevel

        rolled = ctx.session.scalar(select(func.sum(CustomersByLevel.customers)))
        seen = ctx.session.scalar(select(func.count(Customer.id)))
    assert rolled == seen == 2


def test_a_migration_removes_rollups_and_upgrade_derives_them_again(world: Deployment) -> None:
    from sqlalchemy import inspect

    from crm_core.kernel import migrate

    state = table_of(RollupState)
    with world.work("admin") as ctx:
        before = reports.run(ctx, "interactions-per-day", {})
    migrate.downgrade(world.engine, world.catalog, "crm_core@-1")
    assert not [t for t in inspect(world.engine).get_table_names() if t.startswith("rollup_")]
    with world.work("admin") as ctx:  # no rollup: the report reads the source rows
        assert reports.run(ctx, "interactions-per-day", {}) == before
    lifecycle.upgrade(world)
    with world.engine.connect() as connection:
        core_head = migrate.branch_heads(world.catalog)["crm_core"]
        assert core_head in migrate.current_heads(connection)
        built = dict(connection.execute(select(state.c.name, state.c.built_at)).all())
        assert set(_differences(connection, world).values()) == {0}
    assert len(built) == 37
    lifecycle.upgrade(world)  # nothing to migrate: the rollups are left as they are
    with world.engine.connect() as connection:
        assert dict(connection.execute(select(state.c.name, state.c.built_at)).all()) == built
    with world.work("admin") as ctx:
        assert reports.run(ctx, "interactions-per-day", {}) == before


def test_disabling_a_block_removes_its_rollups_and_enabling_brings_them_back(
    world: Deployment,
) -> None:
    from sqlalchemy import inspect

    admin = world.resolve_actor("admin")
    lifecycle.disable(world, admin, "customer_resources")
    tables = set(inspect(world.engine).get_table_names())
    assert "rollup_interactions_by_day" in tables
    assert not {t for t in tables if t.startswith("rollup_cr_")}
    with world.engine.begin() as connection:  # orders written meanwhile fire no rollup trigger
        users: list[int | None] = [None, *_ids(connection, table_of(User))[:5]]
        apply(connection, ("order", 1, 1, date(2026, 10, 2), "300"), users)
        # and a person changes team: no trigger of the removed team totals is left on users
        apply(connection, ("team", 5, 4), users)
        assert not {t for t in _triggers(connection) if t.startswith("rollup_cr_")}
    lifecycle.enable(world, admin, ["customer_resources"])
    with world.engine.connect() as connection:
        assert set(_differences(connection, world).values()) == {0}
        assert connection.scalar(select(func.count()).select_from(table_of(RollupState))) == 37


def _triggers(connection: Connection) -> set[str]:
    if connection.dialect.name == "postgresql":
        found = connection.exec_driver_sql(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'rollup_%%'"
        )
    else:
        found = connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'rollup_%'"
        )
    return set(found.scalars())


def _bulk_customers(count: int, users: list[int | None], prefix: str = "批量客户") -> list[Any]:
    return [
        {
            "name": f"{prefix}{n}",
            "name_key": f"{prefix}{n}",
            "kind": "customer",
            "level": ["lead", "vip"][n % 2],
            "industry": [None, "零售"][n % 2],
            "owner_id": users[n % len(users)],
            "created_at": BASE + timedelta(hours=n),
            "updated_at": BASE,
        }
        for n in range(count)
    ]


def test_bulk_inserts_keep_rollups_equal_and_leave_every_trigger_in_place(
    world: Deployment,
) -> None:
    from crm_core.kernel.bulk import insert_rows

    with world.engine.connect() as connection:
        installed = _triggers(connection)
    assert {"rollup_customers_by_level_insert", "rollup_interactions_by_day_insert"} <= installed
    with world.work("admin", write=True) as ctx:
        users = [None, *_ids(ctx.session.connection(), table_of(User))[:5]]
        new = insert_rows(ctx.session, CUSTOMERS, _bulk_customers(120, users))
        insert_rows(
            ctx.session,
            INTERACTIONS,
            [
                {
                    "customer_id": new[n % len(new)],
                    "user_id": users[1 + n % 5],
                    "kind": "visit",
                    "occurred_at": BASE + timedelta(minutes=37 * n),
                    "created_at": BASE,
                }
                for n in range(300)
            ],
            with_ids=False,
        )
        insert_rows(ctx.session, CUSTOMERS, [])  # nothing to add
        connection = ctx.session.connection()
        assert set(_differences(connection, world).values()) == {0}
        assert _triggers(connection) == installed
        apply(connection, ("log", 3, 2, BASE), users)  # a row written afterwards is counted
        assert set(_differences(connection, world).values()) == {0}
    with world.engine.connect() as connection:
        assert set(_differences(connection, world).values()) == {0}
        assert _triggers(connection) == installed


def test_a_failed_bulk_insert_leaves_the_rollups_and_their_triggers_as_they_were(
    world: Deployment,
) -> None:
    import sqlite3

    import psycopg
    from sqlalchemy.exc import IntegrityError

    from crm_core.kernel.bulk import insert_rows

    with world.engine.connect() as connection:
        installed = _triggers(connection)
    with world.work("admin", write=True) as ctx:
        connection = ctx.session.connection()
        users = [None, *_ids(connection, table_of(User))[:5]]
        clashing = _bulk_customers(60, users) + _bulk_customers(1, users)
        refused = (IntegrityError, sqlite3.IntegrityError, psycopg.IntegrityError)
        with pytest.raises(refused), ctx.session.begin_nested():
            insert_rows(ctx.session, CUSTOMERS, clashing)
        assert _triggers(connection) == installed
        apply(connection, ("log", 1, 1, BASE), users)
        connection.execute(insert(CUSTOMERS).values(**_bulk_customers(1, users, "单个客户")[0]))
        assert set(_differences(connection, world).values()) == {0}
        # A value refused while the rows are bound, the caller not (yet) rolling back: on
        # SQLite the triggers are back at once all the same (PostgreSQL has aborted the
        # transaction; its triggers were never touched).
        naive = _bulk_customers(60, users, "无时区")
        naive[30]["created_at"] = datetime(2026, 10, 30, 8, 0)
        with pytest.raises(ValueError, match="timezone-aware"):
            insert_rows(ctx.session, CUSTOMERS, naive)
        if connection.dialect.name == "sqlite":
            assert _triggers(connection) == installed
        ctx.session.rollback()
    with world.engine.connect() as connection:
        assert _triggers(connection) == installed


def test_a_transfer_moves_a_book_through_every_rollup_at_once(world: Deployment) -> None:
    """transfer.reassign takes the customers out of every rollup, updates them, and puts them
    back under the new owner (SQLite: one grouped statement per rollup, no row triggers)."""
    from crm_core.services import transfer

    with world.engine.begin() as connection:
        users = [None, *_ids(connection, table_of(User))[:6]]
        for k in range(30):
            apply(connection, ("log", k, 1 + k % 5, BASE + timedelta(hours=5 * k)), users)
            apply(connection, ("order", k, 1 + k % 5, date(2026, 10, 1 + k % 28), "88.80"), users)
        installed = _triggers(connection)
    with world.work("admin", write=True) as ctx:
        owners = dict(ctx.session.execute(select(Customer.id, Customer.owner_id)).all())
        to = users[2]
        transfer.reassign(ctx, owners, to, "交接")
        connection = ctx.session.connection()
        assert set(_differences(connection, world).values()) == {0}
        assert _triggers(connection) == installed
        left = ctx.session.scalar(
            select(func.count(Customer.id)).where(Customer.owner_id.is_distinct_from(to))
        )
        assert left == 0
        apply(connection, ("owner", 4, 3), users)  # a row update afterwards is counted
        apply(connection, ("order_seller", 2, 1), users)
        assert set(_differences(connection, world).values()) == {0}


def test_an_import_that_updates_customers_keeps_rollups_equal(
    world: Deployment, crm_cli: Any, tmp_path: Any
) -> None:
    with world.work("admin") as ctx:
        names = list(ctx.session.scalars(select(Customer.name).order_by(Customer.id)))
    sheet = tmp_path / "客户.csv"
    sheet.write_text(
        "客户名称,行业,地区\n"
        + "".join(f"{name},物流,西南\n" for name in names[:3])
        + "新客户甲,物流,西南\n",
        encoding="utf-8",
    )
    done = crm_cli("import", "customers", str(sheet), "--on-duplicate", "update")
    assert done.exit_code == 0, done.stderr
    with world.engine.connect() as connection:
        assert set(_differences(connection, world).values()) == {0}
        moved = connection.scalar(
            select(func.sum(table_of(CustomersByIndustry).c.customers)).where(
                table_of(CustomersByIndustry).c.industry == "物流"
            )
        )
    assert moved == 4


def test_rollups_built_by_an_earlier_version_are_removed_and_built_again(
    world: Deployment,
) -> None:
    """A build record without today's columns: every rollup object goes, orphaned triggers of
    rollups no longer declared included, and sync derives the current ones."""
    from sqlalchemy import inspect

    with world.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE rollup_old_thing (id INTEGER PRIMARY KEY)")
        connection.exec_driver_sql(
            "CREATE TABLE rollup_state_old AS SELECT name, signature, zone, built_at "
            "FROM rollup_state"
        )
        connection.exec_driver_sql("DROP TABLE rollup_state")
        connection.exec_driver_sql("ALTER TABLE rollup_state_old RENAME TO rollup_state")
    lifecycle.upgrade(world)
    tables = set(inspect(world.engine).get_table_names())
    assert "rollup_old_thing" not in tables
    with world.engine.connect() as connection:
        assert set(_differences(connection, world).values()) == {0}
        assert connection.scalar(select(func.count()).select_from(table_of(RollupState))) == 37


def _autovacuum_options(connection: Connection) -> dict[str, set[str]]:
    found = connection.exec_driver_sql(
        "SELECT relname, reloptions FROM pg_class WHERE relkind = 'r' AND relname LIKE 'rollup%%'"
    ).all()
    return {
        name: {o for o in options or () if o.startswith("autovacuum_")} for name, options in found
    }


@pytest.mark.crm_postgres_only
def test_a_large_statement_after_a_one_row_edit_is_planned_for_its_size(
    world: Deployment,
) -> None:
    """PL/pgSQL keeps one plan per trigger statement for the session, made for the transition
    tables of its first run. A one-row edit first must not leave a 300-row hand-over with
    plans that scan a transition table once per row of another (nested loops: quadratic).
    auto_explain sends the plan of every statement the triggers run to the client."""
    with world.engine.begin() as connection:
        users: list[int | None] = [None, *_ids(connection, table_of(User))[:5]]
        connection.execute(insert(CUSTOMERS), _bulk_customers(300, users[1:3]))
        added = select(CUSTOMERS.c.id).where(CUSTOMERS.c.name.like("批量客户%"))
        connection.execute(insert(PROFILES).from_select(["customer_id"], added))
    plans: list[str] = []
    with world.engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        raw.add_notice_handler(lambda notice: plans.append(str(notice.message_primary)))
        for setting in (
            "LOAD 'auto_explain'",
            "SET auto_explain.log_min_duration = 0",
            "SET auto_explain.log_nested_statements = on",
            "SET auto_explain.log_analyze = on",
            "SET auto_explain.log_timing = off",
            "SET auto_explain.log_level = notice",
        ):
            connection.exec_driver_sql(setting)
        one = connection.scalar(select(func.min(CUSTOMERS.c.id)))
        connection.execute(update(CUSTOMERS).where(CUSTOMERS.c.id == one).values(owner_id=users[3]))
        plans.clear()
        moved = connection.execute(
            update(CUSTOMERS).where(CUSTOMERS.c.owner_id.in_(users[1:3])).values(owner_id=users[4])
        ).rowcount
        assert moved >= 300
        assert set(_differences(connection, world).values()) == {0}
        connection.rollback()
    rescans = [
        plan for plan in plans if re.search(r"Named Tuplestore Scan .*loops=(?!1\))\d+", plan)
    ]
    assert len(plans) > 20
    assert rescans == []


@pytest.mark.crm_postgres_only
def test_rollup_tables_are_vacuumed_after_a_small_share_of_their_rows_changed(
    world: Deployment,
) -> None:
    """Reads by index alone need the pages marked all-visible: every rollup table carries
    autovacuum thresholds of 0.2 % (PostgreSQL's default is 20 %), and one that lost them (built
    by an earlier version) gets them back at the next upgrade, the others left alone, and a
    threshold an administrator set is kept."""
    from crm_core.features.rollups.vacuuming import SETTINGS

    wanted = {f"{name}={value}" for name, value in SETTINGS.items()}
    assert wanted == {
        "autovacuum_vacuum_scale_factor=0.002",
        "autovacuum_vacuum_threshold=200",
        "autovacuum_vacuum_insert_scale_factor=0.002",
        "autovacuum_vacuum_insert_threshold=200",
    }
    with world.engine.connect() as connection:
        built = set(connection.scalars(select(table_of(RollupState).c.name)))
        options = _autovacuum_options(connection)
    assert len(built) == 37
    assert {name: options[name] for name in built} == {name: wanted for name in built}
    with world.engine.begin() as connection:
        connection.exec_driver_sql(
            "ALTER TABLE rollup_customers_by_month RESET (autovacuum_vacuum_scale_factor)"
        )
        assert vacuuming.keep_index_only(connection, sorted(built)) == ["rollup_customers_by_month"]
        connection.exec_driver_sql(
            "ALTER TABLE rollup_cr_owed_by_seller RESET (autovacuum_vacuum_threshold)"
        )
        # an administrator's own threshold on another one is theirs to keep
        connection.exec_driver_sql(
            "ALTER TABLE rollup_customers_by_level SET (autovacuum_vacuum_threshold = 5000)"
        )
    lifecycle.upgrade(world)
    tuned = wanted - {"autovacuum_vacuum_threshold=200"} | {"autovacuum_vacuum_threshold=5000"}
    with world.engine.connect() as connection:
        assert {name: _autovacuum_options(connection)[name] for name in built} == {
            name: tuned if name == "rollup_customers_by_level" else wanted for name in built
        }
