"""`crm projects ...`, `crm pipeline ...`, `crm quotes ...`, `crm tasks ...`: block 2's commands."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from crm_core.contract import ValidationError
from crm_core.contract.cli import App, emit, emit_object, format_option, page_options, pass_app
from crm_core.contract.inputs import read_json
from crm_project_sales.models import ATTITUDES, COST_KINDS, DEFAULT_CATEGORY, QUOTE_STATUSES, ROLES

DAY = click.DateTime(["%Y-%m-%d"])
#: The lists `crm projects show` prints as tables of their own, after the project's fields.
PROJECT_PARTS = (
    "deliverables",
    "decision_tree",
    "competitors",
    "quotes",
    "members",
    "tasks",
    "notes",
)


def projects_group() -> click.Group:
    @click.group("projects")
    def group() -> None:
        """Sales projects through stage gates.  销售项目。"""

    @group.command("add")
    @click.argument("customer")
    @click.argument("name")
    @click.option("--amount", "expected_amount", required=True, help="Expected amount.")
    @click.option("--close", "expected_close", type=DAY, required=True, help="Expected close date.")
    @click.option("--category", default="standard", show_default=True)
    @click.option(
        "--owner",
        "owner_login",
        help="For a pool customer: the owner's login (default: you). Otherwise the project is "
        "the customer's owner's.",
    )
    @pass_app
    def add(
        app: App,
        customer: str,
        name: str,
        expected_amount: str,
        expected_close: datetime,
        category: str,
        owner_login: str | None,
    ) -> None:
        """Open a sales project for CUSTOMER, in the first stage."""
        with app.desk(write=True) as desk:
            project = desk.projects.create(
                customer,
                name,
                expected_amount=expected_amount,
                expected_close=expected_close.date(),
                category=category,
                owner_login=owner_login,
            )
        click.echo(f"project {project.id} {project.name}: {project.stage}")

    @group.command("list")
    @click.option("--customer")
    @click.option("--stage")
    @click.option("--open", "open_only", is_flag=True, help="Only open projects.")
    @page_options
    @format_option
    @pass_app
    def list_(
        app: App,
        customer: str | None,
        stage: str | None,
        open_only: bool,
        after_id: int,
        limit: int,
        fmt: str,
    ) -> None:
        """Projects you may see; --open for open ones only."""
        with app.desk() as desk:
            rows = desk.projects.list(
                customer=customer,
                stage=stage,
                open_only=open_only,
                after_id=after_id,
                limit=limit,
            )
        emit(
            rows,
            fmt,
            [
                "id",
                "name",
                "customer",
                "owner",
                "category",
                "stage",
                "expected_amount",
                "expected_close",
                "contract_amount",
            ],
        )

    @group.command("show")
    @click.argument("project")
    @format_option
    @pass_app
    def show(app: App, project: str, fmt: str) -> None:
        """Everything about a project: gate, deliverables, decision tree, competitors, quotes, profit."""
        with app.desk() as desk:
            record = desk.projects.show(project)
        if fmt == "json":
            emit_object(record, fmt)
            return
        parts = {k: record.pop(k) for k in PROJECT_PARTS}
        emit_object(record, fmt)
        for title, rows in parts.items():
            if rows:
                emit(rows, fmt, title=title.replace("_", " ").capitalize())

    @group.command("advance")
    @click.argument("project")
    @click.option(
        "--to", "to", help="Target stage (default: the next one); an earlier stage moves back."
    )
    @click.option(
        "--installments",
        type=click.IntRange(1, 120),
        help="Winning with customer_resources: the order's installments (default: setting).",
    )
    @click.option(
        "--every",
        "every_days",
        type=click.IntRange(1, 365),
        help="Days between those installments (default: setting).",
    )
    @pass_app
    def advance(
        app: App, project: str, to: str | None, installments: int | None, every_days: int | None
    ) -> None:
        """Move to the next stage, if the gates being left have their deliverables. Winning
        (with customer_resources) places the project's order from its accepted quote."""
        with app.desk(write=True) as desk:
            p = desk.projects.advance(project, to, installments=installments, every_days=every_days)
        click.echo(f"project {p.id}: {p.stage}")

    @group.command("lose")
    @click.argument("project")
    @click.option("--reason", required=True)
    @pass_app
    def lose(app: App, project: str, reason: str) -> None:
        """Close a project as lost, with the reason."""
        with app.desk(write=True) as desk:
            p = desk.projects.lose(project, reason)
        click.echo(f"project {p.id}: {p.stage}")

    @group.command("update")
    @click.argument("project")
    @click.option("--name")
    @click.option("--amount", "expected_amount")
    @click.option("--close", "expected_close", type=DAY)
    @pass_app
    def update(
        app: App,
        project: str,
        name: str | None,
        expected_amount: str | None,
        expected_close: datetime | None,
    ) -> None:
        """Change a project's name, amount, close date or category."""
        with app.desk(write=True) as desk:
            desk.projects.update(
                project,
                name=name,
                expected_amount=expected_amount,
                expected_close=expected_close.date() if expected_close else None,
            )
        click.echo(f"updated project {project}")

    @group.command("deliver")
    @click.argument("project")
    @click.argument("deliverable")
    @click.option(
        "--file", "path", type=click.Path(path_type=Path), help="A file to store (checksummed)."
    )
    @click.option(
        "--record", "record", help='A structured record as JSON, e.g. \'{"budget": "1200000"}\'.'
    )
    @click.option("--stage", help="Stage it belongs to (default: the current one).")
    @pass_app
    def deliver(
        app: App,
        project: str,
        deliverable: str,
        path: Path | None,
        record: str | None,
        stage: str | None,
    ) -> None:
        """Attach a deliverable (file or record) to a stage's gate."""
        data = None
        if record is not None:
            data = read_json(record, "--record")
            if not isinstance(data, dict):
                raise ValidationError("--record must be a JSON object")
        with app.desk(write=True) as desk:
            item = desk.projects.deliver(project, deliverable, path=path, record=data, stage=stage)
        click.echo(f"deliverable {item.id}: {item.deliverable} ({item.stage})")

    @group.command("undeliver")
    @click.argument("project")
    @click.argument("deliverable_id", type=int)
    @pass_app
    def undeliver(app: App, project: str, deliverable_id: int) -> None:
        """Remove a deliverable of the current stage."""
        with app.desk(write=True) as desk:
            desk.projects.undeliver(project, deliverable_id)
        click.echo(f"removed deliverable {deliverable_id}")

    @group.command("verify-files")
    @format_option
    @pass_app
    def verify_files(app: App, fmt: str) -> None:
        """Check every stored deliverable file against its checksum."""
        with app.desk() as desk:
            problems = desk.projects.verify_files()
        if problems:
            emit(problems, fmt, ["id", "file", "problem"])
            raise ValidationError(f"{len(problems)} stored file(s) missing or changed")
        click.echo("all stored files match their checksums")

    @group.command("person")
    @click.argument("project")
    @click.argument("contact")
    @click.option("--role", type=click.Choice(ROLES))
    @click.option("--attitude", type=click.Choice(ATTITUDES))
    @click.option("--reports-to", help="Contact this person reports to (already in the tree).")
    @pass_app
    def person(
        app: App,
        project: str,
        contact: str,
        role: str | None,
        attitude: str | None,
        reports_to: str | None,
    ) -> None:
        """Add a contact to the decision tree, or change their role/attitude/reporting line."""
        with app.desk(write=True) as desk:
            desk.projects.place_person(
                project, contact, role=role, attitude=attitude, reports_to=reports_to
            )
        click.echo(f"{contact} in project {project}'s decision tree")

    @group.command("tree")
    @click.argument("project")
    @format_option
    @pass_app
    def tree(app: App, project: str, fmt: str) -> None:
        """The decision tree (决策树), indented by reporting line."""
        with app.desk() as desk:
            rows = desk.projects.tree(project)
        if fmt == "table":
            rows = [{**r, "name": "    " * int(str(r["depth"])) + str(r["name"])} for r in rows]
        emit(rows, fmt, ["depth", "name", "title", "role", "attitude"])

    @group.command("competitor")
    @click.argument("project")
    @click.argument("competitor")
    @click.option("--strengths")
    @click.option("--weaknesses")
    @click.option("--price", "quoted_price", help="Their quoted price.")
    @pass_app
    def competitor(
        app: App,
        project: str,
        competitor: str,
        strengths: str | None,
        weaknesses: str | None,
        quoted_price: str | None,
    ) -> None:
        """Record a competitor on a project, with strengths, weaknesses, price."""
        with app.desk(write=True) as desk:
            desk.projects.add_competitor(
                project,
                competitor,
                strengths=strengths,
                weaknesses=weaknesses,
                quoted_price=quoted_price,
            )
        click.echo(f"{competitor} on project {project}")

    @group.command("cost")
    @click.argument("project")
    @click.argument("amount")
    @click.option("--kind", type=click.Choice(COST_KINDS), required=True)
    @click.option("--category", required=True, help="e.g. materials, subcontract, travel")
    @click.option("--date", "on", type=DAY)
    @click.option("--notes")
    @pass_app
    def cost(
        app: App,
        project: str,
        amount: str,
        kind: str,
        category: str,
        on: datetime | None,
        notes: str | None,
    ) -> None:
        """Book a cost or an expense against a project."""
        with app.desk(write=True) as desk:
            desk.projects.add_cost(
                project,
                kind,
                category,
                amount,
                on.date() if on else None,
                notes,
            )
        click.echo(f"{kind} {amount} on project {project}")

    @group.command("member")
    @click.argument("project")
    @click.argument("login")
    @click.option("--role", default="member", show_default=True)
    @click.option("--remove", is_flag=True, help="Take the colleague off the project.")
    @pass_app
    def member(app: App, project: str, login: str, role: str, remove: bool) -> None:
        """Add a colleague to a project's team (any colleague: they see the project and its
        parts, not the rest of the customer's business), or take them off with --remove."""
        with app.desk(write=True) as desk:
            if remove:
                desk.projects.remove_member(project, login)
            else:
                desk.projects.add_member(project, login, role)
        click.echo(
            f"{login} left project {project}" if remove else f"{login} joined project {project}"
        )

    @group.command("note")
    @click.argument("project")
    @click.argument("text")
    @pass_app
    def note(app: App, project: str, text: str) -> None:
        """Add a note to a project's feed."""
        with app.desk(write=True) as desk:
            desk.projects.add_note(project, text)
        click.echo("noted")

    return group


def quotes_group() -> click.Group:
    @click.group("quotes")
    def group() -> None:
        """Versioned quotes with discounts, cost and margin.  报价。"""

    @group.command("add")
    @click.argument("project")
    @click.option(
        "--line",
        "lines",
        multiple=True,
        required=True,
        metavar="ITEM:QTY[@PRICE][-DISC%][/COST]",
        help="A product code or text, e.g. JS-200:3@8000-5%/5200",
    )
    @click.option("--notes")
    @pass_app
    def add(app: App, project: str, lines: tuple[str, ...], notes: str | None) -> None:
        """Add a quote version with its lines (price and cost per line)."""
        with app.desk(write=True) as desk:
            quote = desk.quotes.add(project, lines, notes)
        click.echo(f"quote v{quote.version}: {quote.total} (cost {quote.cost})")

    @group.command("list")
    @click.argument("project")
    @format_option
    @pass_app
    def list_(app: App, project: str, fmt: str) -> None:
        """A project's quote versions with totals and margin."""
        with app.desk() as desk:
            rows = desk.quotes.list(project)
        emit(rows, fmt, ["version", "status", "total", "cost", "margin", "margin_pct"])

    @group.command("show")
    @click.argument("project")
    @click.argument("version", type=int)
    @format_option
    @pass_app
    def show(app: App, project: str, version: int, fmt: str) -> None:
        """One quote version, line by line."""
        with app.desk() as desk:
            rows = desk.quotes.lines(project, version)
        emit(
            rows,
            fmt,
            ["description", "quantity", "unit_price", "discount_pct", "amount", "unit_cost"],
        )

    @group.command("mark")
    @click.argument("project")
    @click.argument("version", type=int)
    @click.argument("status", type=click.Choice(QUOTE_STATUSES[1:]))
    @pass_app
    def mark(app: App, project: str, version: int, status: str) -> None:
        """Mark a quote sent, accepted (sets the contract amount) or rejected."""
        with app.desk(write=True) as desk:
            p = desk.quotes.mark(project, version, status)
        click.echo(f"quote v{version}: {status}; contract amount {p.contract_amount or '-'}")

    return group


def tasks_group() -> click.Group:
    @click.group("tasks")
    def group() -> None:
        """Project tasks with due dates; they appear in `crm reminders`.  项目任务。"""

    @group.command("add")
    @click.argument("project")
    @click.argument("title")
    @click.option("--to", "assignee", required=True, help="Assignee's login.")
    @click.option("--due", type=DAY, required=True)
    @pass_app
    def add(app: App, project: str, title: str, assignee: str, due: datetime) -> None:
        """Give a project task to a colleague, with a due date."""
        with app.desk(write=True) as desk:
            task_id = desk.project_tasks.add(project, title, assignee, due.date())
        click.echo(f"task {task_id}")

    @group.command("done")
    @click.argument("task_id", type=int)
    @pass_app
    def done(app: App, task_id: int) -> None:
        """Mark a task done."""
        with app.desk(write=True) as desk:
            desk.project_tasks.done(task_id)
        click.echo(f"task {task_id} done")

    @group.command("list")
    @click.option("--project")
    @click.option("--mine", is_flag=True)
    @click.option("--all", "show_all", is_flag=True, help="Include finished tasks.")
    @format_option
    @pass_app
    def list_(app: App, project: str | None, mine: bool, show_all: bool, fmt: str) -> None:
        """Tasks you may see."""
        with app.desk() as desk:
            rows = desk.project_tasks.list(
                project=project or None, mine=mine, open_only=not show_all
            )
        emit(rows, fmt, ["id", "project", "title", "assignee", "due_on", "done"])

    return group


def pipeline_group() -> click.Group:
    @click.group("pipeline")
    def group() -> None:
        """Stages, win probabilities and gate requirements.  销售流程与阶段关卡。"""

    @group.command("show")
    @click.option("--category", default=DEFAULT_CATEGORY, show_default=True)
    @format_option
    @pass_app
    def show(app: App, category: str, fmt: str) -> None:
        """The stages of a category's pipeline and the deliverables each gate needs."""
        with app.desk() as desk:
            rows = desk.pipeline.stages(category)
        emit(rows, fmt, ["stage", "name", "probability", "outcome", "gate"])

    @group.command("set")
    @click.argument("category")
    @click.argument("stages", nargs=-1, required=True)
    @pass_app
    def set_(app: App, category: str, stages: tuple[str, ...]) -> None:
        """Give CATEGORY its own pipeline: STAGES as code:名称:probability[:won|lost] in order."""
        spec = []
        for item in stages:
            parts = item.split(":")
            if len(parts) not in (3, 4) or not parts[2].isdigit():
                raise ValidationError(f"stage {item!r} is not code:名称:probability[:won|lost]")
            outcome = parts[3] if len(parts) == 4 else "open"
            spec.append((parts[0], parts[0], parts[1], int(parts[2]), outcome))
        with app.desk(write=True) as desk:
            desk.pipeline.set(category, spec)
        click.echo(f"pipeline for {category}: {' > '.join(s[0] for s in spec)}")

    @group.command("require")
    @click.argument("stage")
    @click.argument("deliverable")
    @click.option("--label-zh", required=True)
    @click.option(
        "--kind", type=click.Choice(("file", "record")), default="file", show_default=True
    )
    @click.option("--category", default=DEFAULT_CATEGORY, show_default=True)
    @pass_app
    def require(
        app: App, stage: str, deliverable: str, label_zh: str, kind: str, category: str
    ) -> None:
        """Require a deliverable to leave a stage (for one category, or all)."""
        with app.desk(write=True) as desk:
            desk.pipeline.require(category, stage, deliverable, label_zh, kind)
        click.echo(f"{category}/{stage} requires {deliverable}")

    @group.command("unrequire")
    @click.argument("stage")
    @click.argument("deliverable")
    @click.option("--category", default=DEFAULT_CATEGORY, show_default=True)
    @pass_app
    def unrequire(app: App, stage: str, deliverable: str, category: str) -> None:
        """Stop requiring a deliverable to leave a stage."""
        with app.desk(write=True) as desk:
            desk.pipeline.unrequire(category, stage, deliverable)
        click.echo(f"{category}/{stage} no longer requires {deliverable}")

    return group


def register(cli: click.Group) -> None:
    for group in (projects_group(), quotes_group(), tasks_group(), pipeline_group()):
        cli.add_command(group)
