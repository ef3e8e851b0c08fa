"""Block 2 through the library API: `desk.projects`, `desk.quotes`, `desk.project_tasks` and
`desk.pipeline`, registered with `crm_register_api_parts`. The `crm projects/quotes/tasks/pipeline`
commands call these parts, so scripts and the REST API get the same answers and JSON shapes."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from crm_core.contract import Context, ValidationError
from crm_core.contract.records import ApiPart
from crm_project_sales.services import (
    collaboration,
    decision,
    deliverables,
    money,
    pipeline,
    projects,
)


@attrs.frozen
class ProjectState:
    """A project's id, name and the stage it is in after a change."""

    id: int
    name: str
    stage: str
    contract_amount: Decimal | None = None


@attrs.frozen
class DeliverableRecord:
    id: int
    deliverable: str
    stage: str


@attrs.frozen
class QuoteRecord:
    version: int
    total: Decimal
    cost: Decimal


def _state(project: Any) -> ProjectState:
    return ProjectState(project.id, project.name, project.stage_code, project.contract_amount)


class Projects:
    """`desk.projects`: sales projects through stage gates, their decision trees, competitors,
    costs, members and notes."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def create(
        self,
        customer: str,
        name: str,
        *,
        expected_amount: Decimal | str,
        expected_close: date,
        category: str = "standard",
        owner_login: str | None = None,
    ) -> ProjectState:
        """Open a project for a customer in its category's first stage."""
        project = projects.create(
            self._ctx,
            customer,
            name,
            expected_amount=expected_amount,
            expected_close=expected_close,
            category=category,
            owner_login=owner_login,
        )
        return _state(project)

    def list(
        self,
        *,
        customer: str | None = None,
        stage: str | None = None,
        open_only: bool = False,
        after_id: int = 0,
        limit: int = 50,
    ) -> builtins.list[dict[str, Any]]:
        """The projects you may see, one keyset page by id."""
        return projects.list_page(
            self._ctx,
            customer_ref=customer,
            stage=stage,
            open_only=open_only,
            after_id=after_id,
            limit=limit,
        )

    def show(self, project: str | int) -> dict[str, Any]:
        """Everything about a project: its fields, gate, profit, deliverables, decision tree,
        competitors, quotes, members, tasks and the newest notes."""
        ctx = self._ctx
        p = projects.get(ctx, project)
        gate = deliverables.gate_status(ctx, p, p.stage_code)
        result = money.profit(ctx, p)
        return {
            "id": p.id,
            "name": p.name,
            "customer": projects.customer_name(ctx, p),
            "category": p.category,
            "stage": p.stage_code,
            "expected_amount": p.expected_amount,
            "expected_close": p.expected_close,
            "contract_amount": p.contract_amount,
            "gate_done": list(gate.done),
            "gate_missing": list(gate.missing),
            "goods_cost": result.goods,
            "goods_cost_estimated": result.goods_estimated,
            "costs": result.costs,
            "expenses": result.expenses,
            "profit": result.profit,
            "margin_pct": result.margin_pct,
            "lost_reason": p.lost_reason,
            "deliverables": deliverables.listing(ctx, p),
            "decision_tree": decision.tree(ctx, p),
            "competitors": decision.competitors(ctx, p),
            "quotes": money.quotes(ctx, p),
            "members": collaboration.members(ctx, p),
            "tasks": collaboration.tasks(ctx, project=p),
            "notes": collaboration.feed(ctx, p, limit=10),
        }

    def advance(
        self,
        project: str | int,
        to: str | None = None,
        *,
        installments: int | None = None,
        every_days: int | None = None,
    ) -> ProjectState:
        """The next stage (or `to`), if the gates being left have their deliverables. Winning
        with customer_resources places the project's order, paid in `installments` every
        `every_days` (default: the block's settings)."""
        return _state(
            projects.advance(
                self._ctx, project, to, installments=installments, every_days=every_days
            )
        )

    def lose(self, project: str | int, reason: str) -> ProjectState:
        return _state(projects.lose(self._ctx, project, reason))

    def update(
        self,
        project: str | int,
        *,
        name: str | None = None,
        expected_amount: str | None = None,
        expected_close: date | None = None,
    ) -> ProjectState:
        """Change a project's name, expected amount or close date (None: unchanged)."""
        changed = projects.update(
            self._ctx,
            project,
            name=name,
            expected_amount=expected_amount,
            expected_close=expected_close,
        )
        return _state(changed)

    def deliver(
        self,
        project: str | int,
        deliverable: str,
        *,
        path: Path | None = None,
        record: dict[str, Any] | None = None,
        stage: str | None = None,
    ) -> DeliverableRecord:
        """Attach a deliverable (a stored, checksummed file or a structured record) to a
        stage's gate (default: the current stage)."""
        ctx = self._ctx
        item = deliverables.add(
            ctx, projects.get(ctx, project), deliverable, path=path, record=record, stage_code=stage
        )
        return DeliverableRecord(item.id, item.deliverable, item.stage_code)

    def undeliver(self, project: str | int, deliverable_id: int) -> None:
        deliverables.remove(self._ctx, projects.get(self._ctx, project), deliverable_id)

    def verify_files(self) -> builtins.list[dict[str, Any]]:
        """Stored deliverable files that are missing or no longer match their checksum."""
        return deliverables.verify(self._ctx)

    def place_person(
        self,
        project: str | int,
        contact: str,
        *,
        role: str | None = None,
        attitude: str | None = None,
        reports_to: str | None = None,
    ) -> None:
        """Add a contact to the decision tree (a new one needs `role`), or change their role,
        attitude or reporting line."""
        ctx = self._ctx
        p = projects.get(ctx, project)
        if any(r["name"] == contact for r in decision.tree(ctx, p)):
            decision.change_person(
                ctx, p, contact, attitude=attitude, role=role, reports_to=reports_to
            )
            return
        if role is None:
            raise ValidationError("a new person in the tree needs --role")
        decision.add_person(ctx, p, contact, role, attitude or "neutral", reports_to)

    def tree(self, project: str | int) -> builtins.list[dict[str, Any]]:
        """The decision tree in reporting order, each person with their depth."""
        return decision.tree(self._ctx, projects.get(self._ctx, project))

    def add_competitor(
        self,
        project: str | int,
        competitor: str,
        *,
        strengths: str | None = None,
        weaknesses: str | None = None,
        quoted_price: str | None = None,
    ) -> None:
        decision.add_competitor(
            self._ctx,
            projects.get(self._ctx, project),
            competitor,
            strengths=strengths,
            weaknesses=weaknesses,
            quoted_price=quoted_price,
        )

    def add_cost(
        self,
        project: str | int,
        kind: str,
        category: str,
        amount: str,
        on: date | None = None,
        notes: str | None = None,
    ) -> None:
        """Book a cost or an expense against a project."""
        money.add_cost(
            self._ctx, projects.get(self._ctx, project), kind, category, amount, on, notes
        )

    def add_member(self, project: str | int, login: str, role: str = "member") -> None:
        """Bring a colleague onto the project (the owner, their manager, an admin): they see
        the project and its parts, not the rest of the customer's business."""
        collaboration.add_member(self._ctx, projects.get(self._ctx, project), login, role)

    def remove_member(self, project: str | int, login: str) -> None:
        """Take a colleague off the project."""
        collaboration.remove_member(self._ctx, projects.get(self._ctx, project), login)

    def add_note(self, project: str | int, text: str) -> None:
        collaboration.add_note(self._ctx, projects.get(self._ctx, project), text)


class Quotes:
    """`desk.quotes`: versioned quotes with discounts, cost and margin."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def add(
        self, project: str | int, lines: Sequence[str], notes: str | None = None
    ) -> QuoteRecord:
        """A new quote version; each line `ITEM:QTY[@PRICE][-DISC%][/COST]`."""
        ctx = self._ctx
        items = [money.parse_item(line) for line in lines]
        quote = money.add_quote(ctx, projects.get(ctx, project), items, notes)
        return QuoteRecord(quote.version, quote.total, quote.cost)

    def list(self, project: str | int) -> list[dict[str, Any]]:
        return money.quotes(self._ctx, projects.get(self._ctx, project))

    def lines(self, project: str | int, version: int) -> builtins.list[dict[str, Any]]:
        return money.quote_lines(self._ctx, projects.get(self._ctx, project), version)

    def mark(self, project: str | int, version: int, status: str) -> ProjectState:
        """Mark a version sent, accepted (it sets the contract amount) or rejected."""
        p = projects.get(self._ctx, project)
        money.set_quote_status(self._ctx, p, version, status)
        return _state(p)


class ProjectTasks:
    """`desk.project_tasks`: project tasks with due dates (they appear in the reminders)."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def add(self, project: str | int, title: str, assignee: str, due_on: date) -> int:
        """Give a colleague a task on a project; its id."""
        ctx = self._ctx
        task = collaboration.add_task(ctx, projects.get(ctx, project), title, assignee, due_on)
        return int(task.id)

    def done(self, task_id: int) -> None:
        collaboration.finish_task(self._ctx, task_id)

    def list(
        self, *, project: str | int | None = None, mine: bool = False, open_only: bool = True
    ) -> builtins.list[dict[str, Any]]:
        ctx = self._ctx
        return collaboration.tasks(
            ctx,
            project=projects.get(ctx, project) if project is not None else None,
            mine=mine,
            open_only=open_only,
        )


class Pipeline:
    """`desk.pipeline`: the stages of each category, their win probabilities and the
    deliverables each gate requires (changes by admins)."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def stages(self, category: str) -> list[dict[str, Any]]:
        ctx = self._ctx
        needs = pipeline.requirements(ctx, category)
        return [
            {
                "stage": s.code,
                "name": s.name_zh,
                "probability": s.probability,
                "outcome": s.outcome,
                "gate": [f"{r.deliverable} ({r.kind})" for r in needs if r.stage_code == s.code],
            }
            for s in pipeline.stages(ctx, category)
        ]

    def set(self, category: str, stages: Sequence[tuple[str, str, str, int, str]]) -> None:
        """Give a category its own stages: (code, name, 名称, probability, outcome) in order."""
        pipeline.set_pipeline(self._ctx, category, list(stages))

    def require(
        self, category: str, stage: str, deliverable: str, label_zh: str, kind: str = "file"
    ) -> None:
        pipeline.require(self._ctx, category, stage, deliverable, label_zh, kind)

    def unrequire(self, category: str, stage: str, deliverable: str) -> None:
        pipeline.unrequire(self._ctx, category, stage, deliverable)


PARTS = (
    ApiPart("projects", Projects, "Sales projects through stage gates"),
    ApiPart("quotes", Quotes, "Versioned quotes"),
    ApiPart("project_tasks", ProjectTasks, "Project tasks"),
    ApiPart("pipeline", Pipeline, "Stages and gates"),
)
