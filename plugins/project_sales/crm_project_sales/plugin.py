"""project_sales: block 2, sales-project management for key accounts (大客户销售项目管理).

Projects move through a configurable pipeline whose stage gates require deliverables; decision trees,
competitors, versioned quotes, costs and profit; members, tasks and notes. Works with or without
customer_resources.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from random import Random

import click
from sqlalchemy import select, update

from crm_core.contract import Context, PluginSpec, _, audit, hookimpl
from crm_core.contract.customers import OpenBusiness
from crm_core.contract.models import Customer, User
from crm_core.contract.queries import among, chunks
from crm_core.contract.records import (
    ApiPart,
    Entity,
    Indicator,
    Picklist,
    Reminder,
    RuleEvent,
    Section,
    SettingSpec,
    Transfer,
)
from crm_core.contract.reports import Report
from crm_core.contract.rollups import Spec
from crm_core.contract.server import ApiRoute
from crm_core.contract.tables import table_of
from crm_core.contract.transfers import move_assigned
from crm_core.contract.web import WebPage
from crm_project_sales import (
    api,
    commands,
    indicators,
    pages,
    reports,
    routes,
    settings,
    translations,
)
from crm_project_sales.models import Project, Task
from crm_project_sales.rollups import PROJECTS_BY_STAGE, TEAM_PROJECTS_BY_STAGE
from crm_project_sales.services import pipeline

plugin = PluginSpec(
    name="project_sales",
    title="Sales-project management",
    title_zh="销售项目管理",
    version="0.1.0",
    table_prefix="ps_",
    migrations="crm_project_sales.migrations.versions",
    description="Pipelines with stage gates, decision trees, competitors, quotes, costs and profit.",
)
SOURCE = plugin.name
_projects = table_of(Project)
_tasks = table_of(Task)


@hookimpl
def crm_register_pages(register: Callable[[WebPage], None]) -> None:
    for page in pages.PAGES:
        register(page)


@hookimpl
def crm_register_routes(register: Callable[[ApiRoute], None]) -> None:
    for route in routes.ROUTES:
        register(route)


@hookimpl
def crm_register_commands(cli: click.Group) -> None:
    commands.register(cli)


@hookimpl
def crm_register_api_parts(register: Callable[[ApiPart], None]) -> None:
    for part in api.PARTS:
        register(part)


@hookimpl
def crm_register_settings(register: Callable[[SettingSpec], None]) -> None:
    for spec in settings.SPECS:
        register(spec)


@hookimpl
def crm_register_translations(register: Callable[[str, Mapping[str, str]], None]) -> None:
    register("zh", translations.ZH)


@hookimpl
def crm_register_entities(register: Callable[[Entity], None]) -> None:
    register(Entity("projects", Project, "Projects", "项目"))


@hookimpl
def crm_register_picklists(register: Callable[[Picklist], None]) -> None:
    register(Picklist("loss_reason", "Loss reasons", "丢单原因", (("projects", "lost_reason"),)))


@hookimpl
def crm_register_rule_events(register: Callable[[RuleEvent], None]) -> None:
    register(
        RuleEvent(
            "project.stage_changed", "projects", "a project entered a stage (won and lost too)"
        )
    )


@hookimpl
def crm_plugin_enabled(ctx: Context, name: str) -> None:
    if name == plugin.name:
        pipeline.seed_defaults(ctx)


@hookimpl
def crm_customers_transferred(ctx: Context, transfer: Transfer) -> Mapping[str, int]:
    """Open projects follow their customer to the new owner; closed ones keep their owner. Open
    tasks the previous owner was to do on those customers' projects go to the new owner."""
    if transfer.to_user_id is None:
        return {}
    moved = 0
    for batch in chunks(list(transfer.customer_ids)):
        ids = list(
            ctx.session.scalars(
                update(_projects)
                .where(_projects.c.customer_id.in_(batch), _projects.c.closed_at.is_(None))
                .values(owner_id=transfer.to_user_id)
                .returning(_projects.c.id)
            )
        )
        audit.record_field(
            ctx.session, "ps_project", ids, "owner_id", transfer.to_user_id, "transfer"
        )
        moved += len(ids)
    tasks = move_assigned(ctx, transfer, _tasks, _tasks.c.assignee_id, _tasks.c.done_at.is_(None))
    return {"open projects": moved, "open project tasks": len(tasks)}


@hookimpl
def crm_open_business(ctx: Context) -> Iterable[OpenBusiness]:
    """An open project keeps its customer with its holder."""
    yield OpenBusiness(
        "open projects", select(_projects.c.customer_id).where(_projects.c.closed_at.is_(None))
    )


@hookimpl
def crm_register_indicators(register: Callable[[Indicator], None]) -> None:
    indicators.register_all(register)


@hookimpl
def crm_register_reports(register: Callable[[Report], None]) -> None:
    reports.register_all(register)


@hookimpl
def crm_register_rollups(register: Callable[[Spec], None]) -> None:
    register(PROJECTS_BY_STAGE)
    register(TEAM_PROJECTS_BY_STAGE)


@hookimpl
def crm_collect_reminders(
    ctx: Context, user_ids: Sequence[int], on: date, limit: int | None, overdue_only: bool
) -> Iterable[Reminder]:
    found = []
    # Tasks are under the policy (their project's members see them too); the customer's name
    # comes from its table, as a member may not see the customer itself.
    names = table_of(Customer)
    tasks = (
        select(Task.due_on, Task.title, Project.name, names.c.name, Task.assignee_id)
        .join(Project, Project.id == Task.project_id)
        .join(names, names.c.id == Task.customer_id)
        .where(
            among(ctx.session, Task.assignee_id, user_ids),
            Task.done_at.is_(None),
            Task.due_on < on if overdue_only else Task.due_on <= on,
        )
        .order_by(Task.due_on, Task.id)
        .limit(limit)
    )
    for due, title, project, customer, person in ctx.session.execute(tasks):
        found.append(Reminder(due, "task", f"{project}: {title}", customer, SOURCE, person))
    # The project read as a table beside its customer's model, which the visibility policy
    # filters (docs/visibility.md, rule 3): no second lookup of the customer per candidate.
    open_project = _projects.c
    late = (
        select(open_project.expected_close, open_project.name, Customer.name, open_project.owner_id)
        .select_from(_projects)
        .join(Customer, Customer.id == open_project.customer_id)
        .where(
            among(ctx.session, open_project.owner_id, user_ids),
            open_project.closed_at.is_(None),
            open_project.expected_close < on,
        )
        .order_by(open_project.expected_close, open_project.id)
        .limit(limit)
    )
    for close, name, customer, person in ctx.session.execute(late):
        found.append(
            Reminder(
                close,
                "project overdue",
                _("{name}: expected to close {close}; update or close it", name=name, close=close),
                customer,
                SOURCE,
                person,
            )
        )
    return found


@hookimpl
def crm_customer_sections(ctx: Context, customer: Customer) -> Iterable[Section]:
    rows = ctx.session.execute(
        select(Project, User.login)
        .join(User, User.id == Project.owner_id)
        .where(Project.customer_id == customer.id)
        .order_by(Project.id.desc())
        .limit(20)
    )
    yield Section(
        "Sales projects",
        [
            {
                "id": p.id,
                "name": p.name,
                "stage": p.stage_code,
                "owner": login,
                "expected_amount": p.expected_amount,
                "expected_close": p.expected_close,
                "contract_amount": p.contract_amount,
            }
            for p, login in rows
        ],
        order=35,
        source=SOURCE,
    )


@hookimpl
def crm_seed_demo_data(ctx: Context, rng: Random, scale: int) -> None:
    from crm_project_sales import demo

    demo.seed(ctx, rng, scale)
