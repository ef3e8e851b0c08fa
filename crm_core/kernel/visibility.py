"""THE visibility policy: which rows an acting user may see. Decided here and nowhere else.

- admins see every row;
- a manager sees rows owned by anyone whose team lies in the subtree of the manager's team;
- a salesperson sees their own rows;
- rows without an owner are the shared pool, visible to everyone;
- rows of a customer-scoped table are visible exactly when their customer is; those of a
  grant-scoped one (a project and its parts) also to the users granted that record (its
  members), outside reports, which count what people own and manage;
- totals per team (team-scoped tables) are visible for the teams in a manager's subtree and
  for the shared pool; only for admins and managers with a team are they all the totals of
  what the user may see (`sees_whole_teams`), so only for them do reports read such tables.

The rule is attached to the session factory once (`do_orm_execute` + `with_loader_criteria`),
so every ORM SELECT, UPDATE and DELETE is filtered, including counts, group-bys, joins,
`has()/any()` subqueries and lazy loads. The only input is the actor's id as a bound parameter,
and the manager test is made in SQL, so cached statements are safe to share between users.
A session with no actor sees nothing: it fails closed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, event, false, or_, select
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria

from crm_core.foundation.schema import table_of
from crm_core.hooks.actor import Actor
from crm_core.hooks.scoping import CustomerScoped, GrantScoped, OwnerScoped, TeamScoped
from crm_core.kernel.models.customers import Customer
from crm_core.kernel.models.grants import Grant
from crm_core.kernel.models.teams import TeamClosure
from crm_core.kernel.models.users import User
from crm_core.kernel.planner import not_index_driving

ACTOR_KEY = "crm_actor"
#: Session key: a report is being computed, so grants do not widen what is counted.
REPORTING_KEY = "crm_reporting"
#: Execution option: check each customer-scoped row's customer by one key lookup per row (the
#: rule's EXISTS fenced off from the planner), for a query over a few thousand rows that
#: PostgreSQL would otherwise answer by hashing every visible customer (`stage-conversion`'s
#: won projects). The same rule, another plan; a large scan keeps the default, which hashes the
#: visible customers once for all its rows (`project-profitability`).
PROBE_CUSTOMERS = "crm_probe_customers"

_users = table_of(User)
_closure = table_of(TeamClosure)
_customers = table_of(Customer)
_grants = table_of(Grant)


def owner_is_visible(owner_id: Any, actor_id: int, *, driving: bool = False) -> ColumnElement[bool]:
    """SQL: the row owned by `owner_id` is visible to the (non-admin) user `actor_id`.

    `driving=True` lets the planner drive the query from the owner index (right inside an IN
    subquery, where order does not matter).
    """
    if not driving:
        owner_id = not_index_driving(owner_id)
    viewer = _users.alias("crm_viewer")
    managed = (
        select(_users.c.id)
        .join(_closure, _closure.c.descendant_id == _users.c.team_id)
        .join(viewer, and_(viewer.c.team_id == _closure.c.ancestor_id, viewer.c.role == "manager"))
        .where(viewer.c.id == actor_id)
    )
    return or_(owner_id.is_(None), owner_id == actor_id, owner_id.in_(managed))


def team_is_visible(team_id: Any, shared: Any, actor_id: int) -> ColumnElement[bool]:
    """SQL: the totals of team `team_id` (`shared`: of the shared pool) are visible to the
    (non-admin) user `actor_id`: the pool's always, a team's when the user manages its
    subtree, exactly the teams whose people's rows `owner_is_visible` shows a manager."""
    return or_(shared == 1, team_id.in_(teams_managed_by(actor_id)))


def teams_managed_by(actor_id: int) -> Select[tuple[int]]:
    """SQL: the teams of the subtree that user `actor_id` manages (none unless a manager)."""
    viewer = _users.alias("crm_viewer")
    return (
        select(_closure.c.descendant_id)
        .select_from(_closure)
        .join(viewer, and_(viewer.c.team_id == _closure.c.ancestor_id, viewer.c.role == "manager"))
        .where(viewer.c.id == actor_id)
    )


def sees_whole_teams(actor: Actor) -> bool:
    """Whether what `actor` may see is whole teams and the shared pool (an admin's all, a
    manager's subtree), so that totals per team answer for them as the owners' rows do. A
    salesperson, or a manager without a team, sees their own rows: not a team's."""
    return actor.sees_everything or (actor.role == "manager" and actor.team_id is not None)


def customer_is_visible(
    customer_id: Any, actor_id: int, *, probe: bool = False
) -> ColumnElement[bool]:
    """SQL: the customer `customer_id` is visible to the (non-admin) user `actor_id`.

    A correlated EXISTS (one primary-key probe per candidate row) rather than IN (every visible
    customer): a page of 50 contacts then costs 50 probes, not a list of a million ids.
    PostgreSQL may still turn it into a join with every visible customer; `probe` (`OFFSET 0`,
    see PROBE_CUSTOMERS) keeps it a probe per row.
    """
    owner = _customers.alias("crm_scope_customer")
    visible = select(owner.c.id).where(
        owner.c.id == customer_id, owner_is_visible(owner.c.owner_id, actor_id)
    )
    if probe:
        visible = visible.offset(0)
    condition: ColumnElement[bool] = visible.exists()
    return condition


def granted(cls: Any, actor_id: int) -> ColumnElement[bool]:
    """SQL: the row of the grant-scoped model `cls` is opened to user `actor_id` by a grant on
    the record its `__crm_grant__` names."""
    table_name, column = cls.__crm_grant__
    condition: ColumnElement[bool] = (
        select(_grants.c.record_id)
        .where(
            _grants.c.user_id == actor_id,
            _grants.c.table_name == table_name,
            _grants.c.record_id == getattr(cls, column),
        )
        .exists()
    )
    return condition


def scoped_rule(cls: Any, actor_id: int, *, probe: bool = False) -> ColumnElement[bool]:
    """The customer-scoped rule for `cls`, widened by grants when `cls` is grant-scoped."""
    rule = customer_is_visible(cls.customer_id, actor_id, probe=probe)
    if isinstance(cls, type) and issubclass(cls, GrantScoped):
        return or_(rule, granted(cls, actor_id))
    return rule


@contextmanager
def reporting(session: Session) -> Iterator[None]:
    """Inside: grants do not widen what the session's queries see (a report counts what its
    reader owns and manages, as the rollups that answer it do)."""
    before = session.info.get(REPORTING_KEY)
    session.info[REPORTING_KEY] = True
    try:
        yield
    finally:
        if before is None:
            session.info.pop(REPORTING_KEY, None)


def owner_parts(actor: Actor, owner_id: Any) -> list[ColumnElement[bool]] | None:
    """Disjoint owner tests whose union is exactly what `actor` may see, for a query that
    is faster asked once per part (a capped count: each part walks the owner index instead
    of the primary key until enough visible rows turn up); None when no such short split
    exists (admins see everything; a manager's people are a set in SQL). The policy still
    filters each part: this only says how the visible rows divide."""
    if actor.sees_everything or actor.role == "manager" or actor.id is None:
        return None
    return [owner_id == actor.id, owner_id.is_(None)]


def actor_of(session_info: dict[str, Any]) -> Actor | None:
    actor = session_info.get(ACTOR_KEY)
    return actor if isinstance(actor, Actor) else None


def install(session_factory: sessionmaker[Any]) -> None:
    """Attach the policy to every session this factory makes."""

    @event.listens_for(session_factory, "do_orm_execute")
    def _restrict(state: ORMExecuteState) -> None:
        if state.is_column_load or not (state.is_select or state.is_update or state.is_delete):
            return
        actor = actor_of(state.session.info)
        if actor is not None and actor.sees_everything:
            return
        if actor is None or actor.id is None:
            # No acting user: nothing is visible.
            state.statement = state.statement.options(
                with_loader_criteria(OwnerScoped, lambda cls: false(), include_aliases=True),
                with_loader_criteria(CustomerScoped, lambda cls: false(), include_aliases=True),
                with_loader_criteria(TeamScoped, lambda cls: false(), include_aliases=True),
            )
            return
        actor_id = actor.id
        # One lambda per case, not one with a flag: the statement cache keys on the lambda's
        # code (and on the class it is applied to).
        probe = bool(state.execution_options.get(PROBE_CUSTOMERS))
        if state.session.info.get(REPORTING_KEY):
            customer_rule = (
                (lambda cls: customer_is_visible(cls.customer_id, actor_id, probe=True))
                if probe
                else (lambda cls: customer_is_visible(cls.customer_id, actor_id))
            )
        else:
            customer_rule = (
                (lambda cls: scoped_rule(cls, actor_id, probe=True))
                if probe
                else (lambda cls: scoped_rule(cls, actor_id))
            )
        state.statement = state.statement.options(
            with_loader_criteria(
                OwnerScoped,
                lambda cls: owner_is_visible(cls.owner_id, actor_id),
                include_aliases=True,
            ),
            with_loader_criteria(CustomerScoped, customer_rule, include_aliases=True),
            with_loader_criteria(
                TeamScoped,
                lambda cls: team_is_visible(cls.owner_team_id, cls.shared, actor_id),
                include_aliases=True,
            ),
        )


def user_sees_customer(session: Session, user_id: int, role: str, customer_id: int) -> bool:
    """Whether another user (not the acting one) may see a customer, e.g. before assigning work."""
    if role in {"admin", "system"}:
        return True
    query = select(_customers.c.id).where(
        _customers.c.id == customer_id,
        owner_is_visible(_customers.c.owner_id, user_id, driving=True),
    )
    return session.execute(query).first() is not None
