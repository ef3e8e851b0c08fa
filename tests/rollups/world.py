"""The world the rollup tests write to: the core with blocks 1 and 2 enabled, every table's
id list, and the generated operations, each a plain SQL write (no service, no ORM): the
triggers, not the write paths, are what keeps a rollup true, so they must hold under any writer."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import strategies as st
from sqlalchemy import (
    Connection,
    case,
    delete,
    func,
    insert,
    select,
    type_coerce,
    update,
)

from crm_core.features import rollups
from crm_core.foundation.schema import table_of
from crm_core.foundation.types import UTCDateTime
from crm_core.hooks.rollups import ROLLUPS
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import Customer, Interaction, Product, Team, User

pytest.importorskip("crm_customer_resources")
from crm_customer_resources.models import (
    CustomerProfile,
    Installment,
    Order,
    OrderLine,
    Payment,
)

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


@attrs.define
class Writes:
    """One operation's view of the world: the connection, the people, and the ids of each
    table as they are now (read once, when first asked for)."""

    connection: Connection
    users: list[int | None]

    def pick(self, ids: list[int], n: int) -> int | None:
        return ids[n % len(ids)] if ids else None

    @functools.cached_property
    def customers(self) -> list[int]:
        return _ids(self.connection, CUSTOMERS)

    @functools.cached_property
    def interactions(self) -> list[int]:
        return _ids(self.connection, INTERACTIONS)

    @functools.cached_property
    def orders(self) -> list[int]:
        return _ids(self.connection, ORDERS)

    @functools.cached_property
    def installments(self) -> list[int]:
        return _ids(self.connection, INSTALLMENTS)

    @functools.cached_property
    def projects(self) -> list[int]:
        return _ids(self.connection, PROJECTS)


def _log(w: Writes, args: list[Any]) -> None:
    customer, user, at = w.pick(w.customers, args[0]), w.users[args[1]] or w.users[1], args[2]
    if customer is not None:
        w.connection.execute(
            insert(INTERACTIONS).values(
                customer_id=customer,
                user_id=user,
                kind="call",
                occurred_at=at,
                created_at=at,
                next_contact_on=at.date() + timedelta(days=args[1]) if args[1] % 2 else None,
            )
        )


def _log_many(w: Writes, args: list[Any]) -> None:
    """One statement, several rows, often one key."""
    if not (w.customers):
        return
    customer = w.pick(w.customers, args[0])
    w.connection.execute(
        insert(INTERACTIONS),
        [
            {
                "customer_id": customer,
                "user_id": w.users[1 + (args[1] + n) % 2],
                "kind": "visit",
                "occurred_at": args[2] + timedelta(minutes=40 * n),
                "created_at": args[2],
                "next_contact_on": args[2].date() + timedelta(days=n) if n != 1 else None,
            }
            for n in range(3)
        ],
    )


def _twins(w: Writes, args: list[Any]) -> None:
    """The same moment twice: the later entry is newest."""
    if not (w.customers):
        return
    w.connection.execute(
        insert(INTERACTIONS),
        [
            {
                "customer_id": w.pick(w.customers, args[0]),
                "user_id": w.users[1],
                "kind": "call",
                "occurred_at": args[1],
                "created_at": args[1],
                "next_contact_on": args[1].date() + timedelta(days=n) if n else None,
            }
            for n in range(2)
        ],
    )


def _plan(w: Writes, args: list[Any]) -> None:
    """The next contact changes on an old interaction."""
    if not (w.interactions):
        return
    w.connection.execute(
        update(INTERACTIONS)
        .where(INTERACTIONS.c.id == w.pick(w.interactions, args[0]))
        .values(next_contact_on=args[1])
    )


def _shift(w: Writes, args: list[Any]) -> None:
    """One statement moving several rows, some across days."""
    if not (w.customers):
        return
    customer = w.pick(w.customers, args[0])
    moments_now = dict(
        w.connection.execute(
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
        w.connection.execute(
            update(INTERACTIONS)
            .where(INTERACTIONS.c.customer_id == customer)
            .values(occurred_at=shifted)
        )


def _unlog_user(w: Writes, args: list[Any]) -> None:
    w.connection.execute(delete(INTERACTIONS).where(INTERACTIONS.c.user_id == w.users[args[0]]))


def _unlog(w: Writes, args: list[Any]) -> None:
    if not (w.interactions):
        return
    w.connection.execute(
        delete(INTERACTIONS).where(INTERACTIONS.c.id == w.pick(w.interactions, args[0]))
    )


def _relog(w: Writes, args: list[Any]) -> None:
    if not (w.interactions and w.customers):
        return
    w.connection.execute(
        update(INTERACTIONS)
        .where(INTERACTIONS.c.id == w.pick(w.interactions, args[0]))
        .values(occurred_at=args[1], customer_id=w.pick(w.customers, args[2]))
    )


def _note(w: Writes, args: list[Any]) -> None:
    if not (w.interactions):
        return
    w.connection.execute(update(INTERACTIONS).values(notes="改了备注"))


def _owner(w: Writes, args: list[Any]) -> None:
    if not (w.customers):
        return
    w.connection.execute(
        update(CUSTOMERS)
        .where(CUSTOMERS.c.id == w.pick(w.customers, args[0]))
        .values(owner_id=w.users[args[1]])
    )


def _hand_over(w: Writes, args: list[Any]) -> None:
    """One statement, many rows: how a transfer moves a book."""
    w.connection.execute(
        update(CUSTOMERS)
        .where(CUSTOMERS.c.owner_id.is_not_distinct_from(w.users[args[0]]))
        .values(owner_id=w.users[args[1]])
    )


def _bulk_hand_over(w: Writes, args: list[Any]) -> None:
    """As a transfer does on SQLite: rollup triggers quiet."""
    ids = [
        row.id
        for row in w.connection.execute(
            select(CUSTOMERS.c.id).where(
                CUSTOMERS.c.owner_id.is_not_distinct_from(w.users[args[0]])
            )
        )
    ]
    with rollups.customers_changing(w.connection, ids):
        w.connection.execute(
            update(CUSTOMERS).where(CUSTOMERS.c.id.in_(ids)).values(owner_id=w.users[args[1]])
        )


def _profile(w: Writes, args: list[Any]) -> None:
    """A writer that names another owner than the customer's."""
    if not (w.customers):
        return
    customer = w.pick(w.customers, args[0])
    if (
        w.connection.scalar(
            select(PROFILES.c.customer_id).where(PROFILES.c.customer_id == customer)
        )
        is None
    ):
        w.connection.execute(
            insert(PROFILES).values(
                customer_id=customer, owner_id=w.users[args[1]], last_contact_at=args[2]
            )
        )


def _profile_owner(w: Writes, args: list[Any]) -> None:
    """A hand edit of the copy, on every profile at once."""
    w.connection.execute(update(PROFILES).values(owner_id=w.users[args[0]]))


def _grade(w: Writes, args: list[Any]) -> None:
    """Grading, or a manager's override."""
    if not (w.customers):
        return
    w.connection.execute(
        update(PROFILES)
        .where(PROFILES.c.customer_id == w.pick(w.customers, args[0]))
        .values(grade=args[1], grade_override=args[2])
    )


def _regrade(w: Writes, args: list[Any]) -> None:
    """One statement grading every graded profile again."""
    w.connection.execute(
        update(PROFILES).where(PROFILES.c.grade.is_not(None)).values(grade=args[0])
    )


def _profile_drop(w: Writes, args: list[Any]) -> None:
    if not (w.customers):
        return
    w.connection.execute(
        delete(PROFILES).where(PROFILES.c.customer_id == w.pick(w.customers, args[0]))
    )


def _customer_redate(w: Writes, args: list[Any]) -> None:
    if not (w.customers):
        return
    w.connection.execute(
        update(CUSTOMERS)
        .where(CUSTOMERS.c.id == w.pick(w.customers, args[0]))
        .values(created_at=args[1])
    )


def _classify(w: Writes, args: list[Any]) -> None:
    if not (w.customers):
        return
    w.connection.execute(
        update(CUSTOMERS)
        .where(CUSTOMERS.c.id == w.pick(w.customers, args[0]))
        .values(industry=args[1], region=args[2], level=args[3])
    )


def _remove(w: Writes, args: list[Any]) -> None:
    if not (w.customers):
        return
    w.connection.execute(delete(CUSTOMERS).where(CUSTOMERS.c.id == w.pick(w.customers, args[0])))


def _customer(w: Writes, args: list[Any]) -> None:
    name = f"客户{uuid.uuid4().hex[:12]}"
    w.connection.execute(
        insert(CUSTOMERS).values(
            name=name,
            name_key=name,
            kind="customer",
            level=args[1],
            industry=args[2],
            owner_id=w.users[args[3]],
            created_at=args[4],
            updated_at=args[4],
        )
    )


def _order(w: Writes, args: list[Any]) -> None:
    if not (w.customers):
        return
    customer = w.pick(w.customers, args[0])
    order = w.connection.execute(
        insert(ORDERS)
        .values(
            customer_id=customer,
            number=f"SO-{uuid.uuid4().hex[:12]}",
            owner_id=w.users[args[1]],
            ordered_on=args[2],
            status="open",
            total=Decimal(args[3]),
            created_at=BASE,
        )
        .returning(ORDERS.c.id)
    ).scalar_one()
    _order_lines(w.connection, order, customer, Decimal(args[3]), args[0])
    if Decimal(args[3]) > 0:  # two w.installments, both due within the same few weeks
        w.connection.execute(
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


def _pay(w: Writes, args: list[Any]) -> None:
    """Nothing, half or all of an installment."""
    if not (w.installments):
        return
    row = w.pick(w.installments, args[0])
    w.connection.execute(
        update(INSTALLMENTS)
        .where(INSTALLMENTS.c.id == row)
        .values(paid=INSTALLMENTS.c.amount * args[1] / 2)
    )


def _receive(w: Writes, args: list[Any]) -> None:
    """A payment on an order, on a day."""
    if not (w.orders):
        return
    order = w.connection.execute(
        select(ORDERS.c.id, ORDERS.c.customer_id).where(ORDERS.c.id == w.pick(w.orders, args[0]))
    ).one()
    w.connection.execute(
        insert(PAYMENTS).values(
            order_id=order.id,
            customer_id=order.customer_id,
            received_on=args[1],
            amount=args[2],
        )
    )


def _unreceive(w: Writes, args: list[Any]) -> None:
    """The oldest payment taken back."""
    first = w.connection.scalar(select(func.min(PAYMENTS.c.id)))
    if first is not None:
        w.connection.execute(delete(PAYMENTS).where(PAYMENTS.c.id == first))


def _pay_customer(w: Writes, args: list[Any]) -> None:
    """One statement, every installment of a customer."""
    if not (w.customers):
        return
    w.connection.execute(
        update(INSTALLMENTS)
        .where(INSTALLMENTS.c.customer_id == w.pick(w.customers, args[0]))
        .values(paid=INSTALLMENTS.c.amount)
    )


def _replan(w: Writes, args: list[Any]) -> None:
    """Another order, another day."""
    if not (w.installments and w.orders):
        return
    w.connection.execute(
        update(INSTALLMENTS)
        .where(INSTALLMENTS.c.id == w.pick(w.installments, args[0]))
        .values(order_id=w.pick(w.orders, args[1]), due_on=args[2])
    )


def _unplan(w: Writes, args: list[Any]) -> None:
    if not (w.installments):
        return
    w.connection.execute(
        delete(INSTALLMENTS).where(INSTALLMENTS.c.id == w.pick(w.installments, args[0]))
    )


def _order_seller(w: Writes, args: list[Any]) -> None:
    if not (w.orders):
        return
    w.connection.execute(
        update(ORDERS)
        .where(ORDERS.c.id == w.pick(w.orders, args[0]))
        .values(owner_id=w.users[args[1]])
    )


def _orders_hand_over(w: Writes, args: list[Any]) -> None:
    """One statement, many orders: how a transfer moves them."""
    w.connection.execute(
        update(ORDERS)
        .where(ORDERS.c.owner_id == w.users[args[0]], ORDERS.c.status == "open")
        .values(owner_id=w.users[args[1]])
    )


def _order_change(w: Writes, args: list[Any]) -> None:
    if not (w.orders):
        return
    w.connection.execute(
        update(ORDERS)
        .where(ORDERS.c.id == w.pick(w.orders, args[0]))
        .values(status=args[1], total=Decimal(args[2]), ordered_on=args[3])
    )


def _order_redate(w: Writes, args: list[Any]) -> None:
    """The day alone: its lines move month."""
    if not (w.orders):
        return
    w.connection.execute(
        update(ORDERS).where(ORDERS.c.id == w.pick(w.orders, args[0])).values(ordered_on=args[1])
    )


def _line_change(w: Writes, args: list[Any]) -> None:
    """A line's quantity and amount, or its product."""
    lines = list(w.connection.scalars(select(ORDER_LINES.c.id).order_by(ORDER_LINES.c.id)))
    if lines:
        line = w.pick(lines, args[0])
        product = w.connection.scalar(select(func.min(PRODUCTS.c.id)))
        values: dict[str, Any] = {"quantity": args[1], "amount": Decimal(args[2])}
        if args[1] == 5:
            values = {"product_id": product}
        w.connection.execute(update(ORDER_LINES).where(ORDER_LINES.c.id == line).values(values))


def _order_drop(w: Writes, args: list[Any]) -> None:
    if not (w.orders):
        return
    w.connection.execute(delete(ORDERS).where(ORDERS.c.id == w.pick(w.orders, args[0])))


def _project(w: Writes, args: list[Any]) -> None:
    if not (w.customers):
        return
    w.connection.execute(
        insert(PROJECTS).values(
            customer_id=w.pick(w.customers, args[0]),
            name=f"项目{uuid.uuid4().hex[:8]}",
            owner_id=w.users[args[1]] or w.users[1],
            category=args[2],
            stage_code=STAGES[args[3] % len(STAGES)],
            stage_entered_at=BASE,
            expected_amount=Decimal(args[4]),
            expected_close=args[5],
            created_at=BASE,
        )
    )


def _project_move(w: Writes, args: list[Any]) -> None:
    """Another stage, amount and closing month."""
    if not (w.projects):
        return
    w.connection.execute(
        update(PROJECTS)
        .where(PROJECTS.c.id == w.pick(w.projects, args[0]))
        .values(
            stage_code=STAGES[args[1] % len(STAGES)],
            expected_amount=Decimal(args[2]),
            expected_close=args[3],
        )
    )


def _project_customer(w: Writes, args: list[Any]) -> None:
    """The customer alone."""
    if not (w.projects and w.customers):
        return
    w.connection.execute(
        update(PROJECTS)
        .where(PROJECTS.c.id == w.pick(w.projects, args[0]))
        .values(customer_id=w.pick(w.customers, args[1]))
    )


def _project_seller(w: Writes, args: list[Any]) -> None:
    if not (w.projects):
        return
    w.connection.execute(
        update(PROJECTS)
        .where(PROJECTS.c.id == w.pick(w.projects, args[0]))
        .values(owner_id=w.users[args[1]] or w.users[1], category=args[2])
    )


def _projects_hand_over(w: Writes, args: list[Any]) -> None:
    """One statement, many projects."""
    w.connection.execute(
        update(PROJECTS)
        .where(PROJECTS.c.owner_id == w.users[args[0]])
        .values(owner_id=w.users[args[1]] or w.users[1])
    )


def _project_drop(w: Writes, args: list[Any]) -> None:
    if not (w.projects):
        return
    w.connection.execute(delete(PROJECTS).where(PROJECTS.c.id == w.pick(w.projects, args[0])))


def _team(w: Writes, args: list[Any]) -> None:
    """A person moves to another team."""
    if not (w.users[args[0]] is not None):
        return
    teams: list[int | None] = [None, *_ids(w.connection, TEAMS)]
    w.connection.execute(
        update(USERS)
        .where(USERS.c.id == w.users[args[0]])
        .values(team_id=teams[args[1] % len(teams)])
    )


def _swap_teams(w: Writes, args: list[Any]) -> None:
    """One statement: two people trade teams (a reorganisation)."""
    first, second = w.users[args[0]], w.users[args[1]]
    if first is not None and second is not None and first != second:
        before = dict(
            w.connection.execute(
                select(USERS.c.id, USERS.c.team_id).where(USERS.c.id.in_([first, second]))
            ).all()
        )
        w.connection.execute(
            update(USERS)
            .where(USERS.c.id.in_([first, second]))
            .values(team_id=case((USERS.c.id == first, before[second]), else_=before[first]))
        )


#: Each operation by name: what it writes, given its generated arguments.
OPERATIONS: dict[str, Callable[[Writes, list[Any]], None]] = {
    "log": _log,
    "log_many": _log_many,
    "twins": _twins,
    "plan": _plan,
    "shift": _shift,
    "unlog_user": _unlog_user,
    "unlog": _unlog,
    "relog": _relog,
    "note": _note,
    "owner": _owner,
    "hand_over": _hand_over,
    "bulk_hand_over": _bulk_hand_over,
    "profile": _profile,
    "profile_owner": _profile_owner,
    "grade": _grade,
    "regrade": _regrade,
    "profile_drop": _profile_drop,
    "customer_redate": _customer_redate,
    "classify": _classify,
    "remove": _remove,
    "customer": _customer,
    "order": _order,
    "pay": _pay,
    "receive": _receive,
    "unreceive": _unreceive,
    "pay_customer": _pay_customer,
    "replan": _replan,
    "unplan": _unplan,
    "order_seller": _order_seller,
    "orders_hand_over": _orders_hand_over,
    "order_change": _order_change,
    "order_redate": _order_redate,
    "line_change": _line_change,
    "order_drop": _order_drop,
    "project": _project,
    "project_move": _project_move,
    "project_customer": _project_customer,
    "project_seller": _project_seller,
    "projects_hand_over": _projects_hand_over,
    "project_drop": _project_drop,
    "team": _team,
    "swap_teams": _swap_teams,
}


def apply(connection: Connection, op: tuple[Any, ...], users: list[int | None]) -> None:
    """Run one generated operation (`operations`) as plain SQL on the connection."""
    kind, *args = op
    OPERATIONS[kind](Writes(connection, users), args)


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
