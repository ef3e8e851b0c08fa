"""The decision tree (决策树) of a project, and its competitors."""

from __future__ import annotations

from sqlalchemy import select

from crm_core.contract import Context, NotFound, ValidationError, contacts
from crm_core.contract.inputs import record_id
from crm_core.contract.models import Contact, Customer
from crm_core.contract.products import parse_amount
from crm_core.contract.tables import table_of
from crm_core.contract.writes import name_key
from crm_project_sales.models import ATTITUDES, ROLES, Competitor, Project, ProjectContact

_customers = table_of(Customer)


def add_person(
    ctx: Context,
    project: Project,
    contact_ref: str,
    role: str,
    attitude: str = "neutral",
    reports_to: str | None = None,
    notes: str | None = None,
) -> ProjectContact:
    if role not in ROLES:
        raise ValidationError(f"role must be one of {', '.join(ROLES)}")
    if attitude not in ATTITUDES:
        raise ValidationError(f"attitude must be one of {', '.join(ATTITUDES)}")
    customer = ctx.session.get(Customer, project.customer_id)
    assert customer is not None
    contact = contacts.get(ctx, customer, contact_ref)
    if ctx.session.scalar(
        select(ProjectContact.id).where(
            ProjectContact.project_id == project.id, ProjectContact.contact_id == contact.id
        )
    ):
        raise ValidationError(f"{contact.name} is already in the decision tree")
    boss = _person(ctx, project, reports_to) if reports_to else None
    person = ProjectContact(
        customer_id=project.customer_id,
        project_id=project.id,
        contact_id=contact.id,
        role=role,
        attitude=attitude,
        reports_to_id=boss.id if boss else None,
        notes=notes,
    )
    ctx.session.add(person)
    ctx.session.flush()
    return person


def _person(ctx: Context, project: Project, contact_ref: str) -> ProjectContact:
    query = (
        select(ProjectContact)
        .join(Contact, Contact.id == ProjectContact.contact_id)
        .where(ProjectContact.project_id == project.id)
    )
    number = record_id(contact_ref)
    query = query.where(Contact.id == number if number is not None else Contact.name == contact_ref)
    found = ctx.session.scalar(query)
    if found is None:
        raise NotFound(f"{contact_ref} is not in project {project.id}'s decision tree")
    return found


def change_person(
    ctx: Context,
    project: Project,
    contact_ref: str,
    *,
    attitude: str | None = None,
    role: str | None = None,
    reports_to: str | None = None,
) -> ProjectContact:
    person = _person(ctx, project, contact_ref)
    if attitude is not None:
        if attitude not in ATTITUDES:
            raise ValidationError(f"attitude must be one of {', '.join(ATTITUDES)}")
        person.attitude = attitude
    if role is not None:
        if role not in ROLES:
            raise ValidationError(f"role must be one of {', '.join(ROLES)}")
        person.role = role
    if reports_to is not None:
        boss = _person(ctx, project, reports_to)
        node: ProjectContact | None = boss
        while node is not None:  # refuse a cycle: the new boss may not report to this person
            if node.id == person.id:
                raise ValidationError("that would make the reporting line a circle")
            node = (
                ctx.session.get(ProjectContact, node.reports_to_id) if node.reports_to_id else None
            )
        person.reports_to_id = boss.id
    ctx.session.flush()
    return person


def tree(ctx: Context, project: Project) -> list[dict[str, object]]:
    """The decision tree in reporting order, each row with its depth."""
    # The contacts' names from their table: the tree's rows are the project's (a member sees
    # them), the people are the customer's.
    people = table_of(Contact)
    rows = ctx.session.execute(
        select(ProjectContact, people.c.name, people.c.title)
        .join(people, people.c.id == ProjectContact.contact_id)
        .where(ProjectContact.project_id == project.id)
        .order_by(ProjectContact.id)
    ).all()
    children: dict[int | None, list[tuple[ProjectContact, str, str | None]]] = {}
    ids = {p.id for p, _, _ in rows}
    for person, name, title in rows:
        parent = person.reports_to_id if person.reports_to_id in ids else None
        children.setdefault(parent, []).append((person, name, title))
    out: list[dict[str, object]] = []

    def walk(parent: int | None, depth: int) -> None:
        for person, name, title in children.get(parent, []):
            out.append(
                {
                    "depth": depth,
                    "name": name,
                    "title": title,
                    "role": person.role,
                    "attitude": person.attitude,
                }
            )
            walk(person.id, depth + 1)

    walk(None, 0)
    return out


def add_competitor(
    ctx: Context,
    project: Project,
    competitor_name: str,
    *,
    strengths: str | None = None,
    weaknesses: str | None = None,
    quoted_price: str | None = None,
) -> Competitor:
    """A competitor is a customer record of kind competitor, found by name whoever holds it."""
    row = ctx.session.execute(
        select(_customers.c.id, _customers.c.kind).where(
            _customers.c.name_key == name_key(competitor_name)
        )
    ).first()
    if row is None or row[1] != "competitor":
        # A customer of another kind answers like none: its kind is not the asker's to learn.
        raise NotFound(
            f"no competitor {competitor_name}; register it: crm customers add NAME --kind competitor"
        )
    if ctx.session.scalar(
        select(Competitor.id).where(
            Competitor.project_id == project.id, Competitor.competitor_id == row[0]
        )
    ):
        raise ValidationError(f"{competitor_name} is already on project {project.id}")
    price = parse_amount(quoted_price, "quoted price") if quoted_price else None
    item = Competitor(
        customer_id=project.customer_id,
        project_id=project.id,
        competitor_id=row[0],
        strengths=strengths,
        weaknesses=weaknesses,
        quoted_price=price,
    )
    ctx.session.add(item)
    ctx.session.flush()
    return item


def competitors(ctx: Context, project: Project) -> list[dict[str, object]]:
    rival = _customers.alias(
        "rival"
    )  # competitor names are shared knowledge, not protected customers
    rows = ctx.session.execute(
        select(Competitor, rival.c.name)
        .join(rival, rival.c.id == Competitor.competitor_id)
        .where(Competitor.project_id == project.id, rival.c.kind == "competitor")
        .order_by(Competitor.id)
    )
    return [
        {
            "competitor": name,
            "strengths": c.strengths,
            "weaknesses": c.weaknesses,
            "quoted_price": c.quoted_price,
        }
        for c, name in rows
    ]
