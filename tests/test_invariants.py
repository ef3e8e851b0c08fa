"""The promises as invariants of a state machine (hypothesis), on SQLite and PostgreSQL.

Random sequences of create customer, log interaction, open project, transfer, change team,
order / confirm / pay / cancel and receive stock run against a real deployment (the core with
project_sales and channel_commerce), beside a plain-Python model of who owns what. After every
step:
- each user's visible set of customers equals the model's (the visibility rule, restated here
  independently of `crm_core.kernel.visibility`);
- every open project is owned by its customer's owner;
- the dealer's exposure (credit used) equals the model's and never exceeds the limit;
- stock on hand and reserved equal the model's, and 0 <= reserved <= on hand;
- a write that succeeded left audit rows, and a refused one left the database as it was;
- every rollup equals a fresh aggregation of its source rows.

Each example starts from a copy of one prepared database (a file copy on SQLite, CREATE
DATABASE ... TEMPLATE on PostgreSQL), so examples are independent and cheap.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select, text

from crm_core.contract.testing import PostgresServer
from crm_core.features import rollups
from crm_core.foundation.errors import CrmError
from crm_core.hooks.actor import SYSTEM
from crm_core.hooks.rollups import ROLLUPS
from crm_core.kernel import lifecycle
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import AuditEntry, Customer, User
from crm_core.kernel.plugins import PluginCatalog
from crm_core.services import customers, interactions, products, transfer, users
from tests.conftest import MEMBERS, build_org

stock_service = pytest.importorskip("crm_channel_commerce.services.stock")
from crm_channel_commerce.models import Dealer, Stock  # noqa: E402
from crm_channel_commerce.services import dealers, orders  # noqa: E402
from crm_project_sales.models import Project  # noqa: E402
from crm_project_sales.services import projects  # noqa: E402

PARENT = {"总部": None, "华东区": "总部", "上海组": "华东区", "华南区": "总部"}
SELLERS = ["sh_sales1", "sh_sales2", "east_sales", "south_sales"]
MANAGERS = ["sh_mgr", "east_mgr", "south_mgr", "boss"]
USERS = [*SELLERS, *MANAGERS, "admin"]
ROLE = {login: role for login, _name, role, _team in MEMBERS} | {"admin": "admin"}
LIMIT = Decimal("1000.00")
PRICE = Decimal("100.00")
DEALER = "代理商甲"


def prepare_world(url: str, catalog: PluginCatalog) -> None:
    """The starting point of every example: the org, two plugins, one dealer, one product."""
    deployment = Deployment(url, catalog)
    try:
        build_org(deployment)
        admin = deployment.resolve_actor("admin")
        lifecycle.enable(deployment, admin, ["project_sales", "channel_commerce"])
        with deployment.work("admin", write=True) as ctx:
            products.add(ctx, "P1", "净水器", price=PRICE)
            stock_service.add_warehouse(ctx, "W1", "一号仓")
            stock_service.receive(ctx, "W1", "P1", 10)
            customers.create(ctx, {"name": DEALER, "kind": "agent"}, pool=True)
            dealers.register(ctx, DEALER, level="一级", credit_limit=LIMIT)
    finally:
        deployment.dispose()


def subtree(team: str) -> set[str]:
    found = {team}
    changed = True
    while changed:
        changed = False
        for child, parent in PARENT.items():
            if parent in found and child not in found:
                found.add(child)
                changed = True
    return found


@attrs.define
class Model:
    team: dict[str, str]
    owner: dict[int, str | None]
    projects: dict[int, int] = attrs.field(factory=dict)  # open project -> customer
    orders: dict[str, list[Any]] = attrs.field(factory=dict)  # number -> [status, total, paid]
    on_hand: int = 10
    reserved: int = 0

    def manages(self, actor: str, user: str) -> bool:
        if ROLE[actor] == "admin" or actor == user:
            return True
        return ROLE[actor] == "manager" and self.team[user] in subtree(self.team[actor])

    def sees(self, actor: str, customer: int) -> bool:
        owner = self.owner[customer]
        return owner is None or self.manages(actor, owner)

    def visible(self, actor: str) -> set[int]:
        return {c for c in self.owner if self.sees(actor, c)}

    @property
    def exposure(self) -> Decimal:
        return sum(
            (t - p for s, t, p in self.orders.values() if s in ("confirmed", "shipped")),
            Decimal(0),
        )


class Promises(RuleBasedStateMachine):
    #: Set by the test before the machine runs: a fresh copy of the prepared world.
    fresh_world: Callable[[], tuple[Deployment, Callable[[], None]]]

    def __init__(self) -> None:
        super().__init__()
        self.deployment, self._drop = type(self).fresh_world()
        with self.deployment.work(SYSTEM) as ctx:
            logins = dict(ctx.session.execute(select(User.id, User.login)).all())
            owners = ctx.session.execute(select(Customer.id, Customer.owner_id)).all()
            self.model = Model(
                team={login: team for login, _n, _r, team in MEMBERS},
                owner={cid: logins.get(owner) if owner else None for cid, owner in owners},
            )
        self.serial = 0

    def teardown(self) -> None:
        self.deployment.dispose()
        self._drop()

    # -- running a write and checking "all or nothing" --------------------------------------------

    def audit_rows(self) -> int:
        with self.deployment.work(SYSTEM) as ctx:
            return int(ctx.session.scalar(select(func.count()).select_from(AuditEntry)) or 0)

    def attempt(
        self, login: str, expected: bool, write: Callable[[Any], Any], *, changes: bool = True
    ) -> Any:
        """Run `write` as `login`; it must succeed exactly when the model says so, and leave
        audit rows exactly when it changed something."""
        before = self.audit_rows()
        try:
            with self.deployment.work(login, write=True) as ctx:
                result = write(ctx)
        except CrmError as refusal:
            assert not expected, f"{login} was refused: {refusal}"
            assert self.audit_rows() == before, "a refused write left audit rows"
            return None
        assert expected, f"{login} was allowed, the model says no"
        if changes:
            assert self.audit_rows() > before, "a write left no audit row"
        else:
            assert self.audit_rows() == before, "a write that changed nothing left audit rows"
        return result

    def pick(self, index: int) -> int:
        ids = sorted(self.model.owner)
        return ids[index % len(ids)]

    # -- rules ------------------------------------------------------------------------------------

    @rule(login=st.sampled_from([*SELLERS, *MANAGERS]))
    def create_customer(self, login: str) -> None:
        self.serial += 1
        name = f"客户{self.serial:03d}号"
        made = self.attempt(login, True, lambda ctx: customers.create(ctx, {"name": name}).id)
        self.model.owner[made] = login

    @rule(login=st.sampled_from(USERS), index=st.integers(0, 99))
    def log_interaction(self, login: str, index: int) -> None:
        customer = self.pick(index)
        owner = self.model.owner[customer]
        allowed = self.model.sees(login, customer) and (
            ROLE[login] != "sales" or owner in (None, login)
        )
        if login == "admin":
            allowed = True
        self.attempt(
            login, allowed, lambda ctx: interactions.log(ctx, str(customer), "call", notes="跟进")
        )

    @rule(login=st.sampled_from(USERS), index=st.integers(0, 99))
    def open_project(self, login: str, index: int) -> None:
        customer = self.pick(index)
        allowed = self.model.sees(login, customer)

        def write(ctx: Any) -> int:
            when = ctx.today() + timedelta(days=90)
            return projects.create(
                ctx, str(customer), "新项目", expected_amount="1000", expected_close=when
            ).id

        project = self.attempt(login, allowed, write)
        if project is not None:
            self.model.projects[project] = customer

    @rule(
        login=st.sampled_from([*MANAGERS, "admin", "sh_sales1"]),
        index=st.integers(0, 99),
        to=st.sampled_from([*SELLERS, *MANAGERS]),
    )
    def transfer_customer(self, login: str, index: int, to: str) -> None:
        customer = self.pick(index)
        owner = self.model.owner[customer]
        allowed = (
            ROLE[login] != "sales"
            and self.model.sees(login, customer)
            and self.model.manages(login, to)
            and (owner is None or self.model.manages(login, owner))
        )
        self.attempt(
            login,
            allowed,
            lambda ctx: transfer.transfer_customers(ctx, [str(customer)], to, "调整"),
            changes=owner != to,
        )
        if allowed:
            self.model.owner[customer] = to

    @rule(login=st.sampled_from(SELLERS), team=st.sampled_from(sorted(PARENT)))
    def change_team(self, login: str, team: str) -> None:
        if self.model.team[login] == team:
            return  # no change, no audit row: not a write
        self.attempt("admin", True, lambda ctx: users.change(ctx, login, team_name=team))
        self.model.team[login] = team

    @rule(quantity=st.integers(1, 6))
    def order_and_confirm(self, quantity: int) -> None:
        number = self.attempt(
            "admin",
            True,
            lambda ctx: orders.create(ctx, DEALER, "W1", [orders.Line("P1", quantity)]).number,
        )
        total = PRICE * quantity
        self.model.orders[number] = ["draft", total, Decimal(0)]
        affordable = self.model.exposure + total <= LIMIT
        in_stock = self.model.on_hand - self.model.reserved >= quantity
        self.attempt("admin", affordable and in_stock, lambda ctx: orders.confirm(ctx, number))
        if affordable and in_stock:
            self.model.orders[number][0] = "confirmed"
            self.model.reserved += quantity

    @rule(index=st.integers(0, 99), amount=st.sampled_from(["50", "100", "600"]))
    def pay(self, index: int, amount: str) -> None:
        if not self.model.orders:
            return
        number = sorted(self.model.orders)[index % len(self.model.orders)]
        status, total, paid = self.model.orders[number]
        money = Decimal(amount)
        allowed = status in ("confirmed", "shipped") and paid + money <= total
        self.attempt("admin", allowed, lambda ctx: orders.pay(ctx, number, amount))
        if allowed:
            self.model.orders[number][2] = paid + money

    @rule(index=st.integers(0, 99))
    def cancel(self, index: int) -> None:
        if not self.model.orders:
            return
        number = sorted(self.model.orders)[index % len(self.model.orders)]
        status, total, paid = self.model.orders[number]
        allowed = status == "draft" or (status == "confirmed" and paid == 0)
        self.attempt("admin", allowed, lambda ctx: orders.cancel(ctx, number))
        if allowed:
            if status == "confirmed":
                self.model.reserved -= int(total / PRICE)
            self.model.orders[number][0] = "cancelled"

    @rule(quantity=st.integers(1, 5))
    def receive_stock(self, quantity: int) -> None:
        self.attempt("admin", True, lambda ctx: stock_service.receive(ctx, "W1", "P1", quantity))
        self.model.on_hand += quantity

    # -- invariants -------------------------------------------------------------------------------

    @invariant()
    def everyone_sees_what_the_model_says(self) -> None:
        for login in USERS:
            with self.deployment.work(login) as ctx:
                seen = set(ctx.session.scalars(select(Customer.id)))
            assert seen == self.model.visible(login), login

    @invariant()
    def open_projects_follow_their_customer(self) -> None:
        logins = {v: k for k, v in self._user_ids().items()}
        with self.deployment.work(SYSTEM) as ctx:
            rows = ctx.session.execute(
                select(Project.id, Project.customer_id, Project.owner_id).where(
                    Project.closed_at.is_(None)
                )
            )
            for project, customer, owner in rows:
                assert self.model.projects[project] == customer
                expected = self.model.owner[customer]
                # A pool customer's project belongs to whoever opened it, until the customer
                # is given an owner (then it follows, like every open project).
                if expected is not None:
                    assert logins[owner] == expected, (project, customer)

    @invariant()
    def exposure_and_stock_match_and_stay_in_bounds(self) -> None:
        with self.deployment.work(SYSTEM) as ctx:
            used = ctx.session.scalars(select(Dealer.credit_used)).one()
            on_hand, reserved = ctx.session.execute(select(Stock.on_hand, Stock.reserved)).one()
        assert used == self.model.exposure <= LIMIT
        assert (on_hand, reserved) == (self.model.on_hand, self.model.reserved)
        assert 0 <= reserved <= on_hand

    @invariant()
    def rollups_equal_their_source(self) -> None:
        with self.deployment.work(SYSTEM) as ctx:
            zone = str(ctx.settings.get("timezone"))
            connection = ctx.session.connection()
            for rollup in ctx.registry(ROLLUPS).values():
                assert rollups.differences(connection, rollup, zone) == 0, rollup.name

    def _user_ids(self) -> dict[str, int]:
        with self.deployment.work(SYSTEM) as ctx:
            return dict(ctx.session.execute(select(User.login, User.id)).all())


@pytest.mark.crm_stress
def test_promises_hold_over_random_sequences(
    crm_backend: str,
    crm_database_url: str,
    crm_catalog: PluginCatalog,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    prepare_world(crm_database_url, crm_catalog)
    if crm_backend == "sqlite":
        template = Path(crm_database_url.removeprefix("sqlite:///"))

        def fresh_world() -> tuple[Deployment, Callable[[], None]]:
            copy = tmp_path / f"example-{uuid.uuid4().hex[:8]}.db"
            shutil.copy(template, copy)
            return Deployment(f"sqlite:///{copy}", crm_catalog), lambda: copy.unlink()

    else:
        server: PostgresServer = request.getfixturevalue("crm_postgres")
        world = crm_database_url.rsplit("/", 1)[1]

        def fresh_world() -> tuple[Deployment, Callable[[], None]]:
            name = f"sm_{uuid.uuid4().hex[:12]}"
            url = server.create_database(name, template=world)
            return Deployment(url, crm_catalog), lambda: drop(server, name)

    Promises.fresh_world = staticmethod(fresh_world)  # type: ignore[assignment]
    run_state_machine_as_test(
        Promises,
        settings=settings(
            max_examples=12,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )


def drop(server: PostgresServer, name: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    finally:
        engine.dispose()


def test_the_model_restates_the_hierarchy() -> None:
    """The model's own rule, checked on its own: a manager sees the subtree, sales only theirs."""
    model = Model(team={login: team for login, _n, _r, team in MEMBERS}, owner={1: "sh_sales1"})
    assert model.sees("sh_mgr", 1) and model.sees("east_mgr", 1) and model.sees("boss", 1)
    assert not model.sees("south_mgr", 1) and not model.sees("sh_sales2", 1)
    model.team["sh_sales1"] = "华南区"
    assert model.sees("south_mgr", 1) and not model.sees("sh_mgr", 1)
