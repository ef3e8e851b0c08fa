"""The project_sales tables (prefix ps_). Every row that belongs to a project carries the project's
customer, so the core's visibility policy filters each table directly."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.contract.tables import (
    Base,
    CustomerScoped,
    GrantScoped,
    Money,
    UTCDateTime,
    plugin_table,
    utcnow,
)

PLUGIN = "project_sales"
ROLES = ("decision_maker", "influencer", "technical_evaluator", "user", "gatekeeper")
ATTITUDES = ("supporter", "neutral", "opponent")
QUOTE_STATUSES = ("draft", "sent", "accepted", "rejected")
#: What a project spends: `goods` the actual cost of the goods delivered (it replaces the accepted
#: quote's estimated cost once booked), `cost` other delivery costs (installation, subcontracting,
#: freight), `expense` selling expenses (travel, entertainment).
COST_KINDS = ("goods", "cost", "expense")
DEFAULT_CATEGORY = "*"


class Stage(Base):
    """One stage of the pipeline for a category ("*" is the default pipeline)."""

    __tablename__ = "ps_stage"
    __table_args__ = plugin_table(
        PLUGIN,
        UniqueConstraint("category", "code"),
        CheckConstraint("probability BETWEEN 0 AND 100", name="probability"),
        CheckConstraint("outcome in ('open', 'won', 'lost')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(64), default=DEFAULT_CATEGORY)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    name_zh: Mapped[str] = mapped_column(String(100))
    seq: Mapped[int] = mapped_column(Integer)
    probability: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(8), default="open")


class GateRequirement(Base):
    """A deliverable required to leave a stage, for a category ("*": every category)."""

    __tablename__ = "ps_gate"
    __table_args__ = plugin_table(
        PLUGIN,
        UniqueConstraint("category", "stage_code", "deliverable"),
        CheckConstraint("kind in ('file', 'record')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(64), default=DEFAULT_CATEGORY)
    stage_code: Mapped[str] = mapped_column(String(32))
    deliverable: Mapped[str] = mapped_column(String(64))
    label_zh: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(8), default="file")


class Project(GrantScoped, Base):
    #: Members see the project (crm_grant on ps_project), not the rest of its customer.
    __crm_grant__ = ("ps_project", "id")
    __tablename__ = "ps_project"
    __table_args__ = plugin_table(
        PLUGIN,
        Index("ix_ps_project_stage", "stage_code"),
        Index("ix_ps_project_owner_close", "owner_id", "expected_close"),
        # "Project overdue" for a large team: the open projects by expected close, no sort.
        Index(
            "ix_ps_project_open_close",
            "expected_close",
            "id",
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
        CheckConstraint("expected_amount >= 0", name="expected_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int] = mapped_column(ForeignKey("crm_user.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("crm_team.id"))
    category: Mapped[str] = mapped_column(String(64), index=True)
    stage_code: Mapped[str] = mapped_column(String(32))
    stage_entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expected_amount: Mapped[Decimal] = mapped_column(Money)
    expected_close: Mapped[date] = mapped_column(Date)
    contract_amount: Mapped[Decimal | None] = mapped_column(Money)
    lost_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StageChange(GrantScoped, Base):
    __crm_grant__ = ("ps_project", "project_id")
    """Every stage a project entered, when, and by whom (conversion and cycle-time reports)."""

    __tablename__ = "ps_stage_change"
    __table_args__ = plugin_table(PLUGIN)
    __crm_audit__ = False  # the project's stage_code change is audited already

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("ps_project.id", ondelete="CASCADE"), index=True
    )
    from_stage: Mapped[str | None] = mapped_column(String(32))
    to_stage: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id"))


class Deliverable(GrantScoped, Base):
    __crm_grant__ = ("ps_project", "project_id")
    """A file (kept in the deployment's file store, with a checksum) or a structured record."""

    __tablename__ = "ps_deliverable"
    __table_args__ = plugin_table(
        PLUGIN,
        Index("ix_ps_deliverable_project_stage", "project_id", "stage_code"),
        CheckConstraint("kind in ('file', 'record')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("ps_project.id", ondelete="CASCADE"))
    stage_code: Mapped[str] = mapped_column(String(32))
    deliverable: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))
    file_name: Mapped[str | None] = mapped_column(String(300))
    stored_path: Mapped[str | None] = mapped_column(String(500))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    record: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProjectContact(GrantScoped, Base):
    __crm_grant__ = ("ps_project", "project_id")
    """A person in the project's decision tree (决策树)."""

    __tablename__ = "ps_project_contact"
    __table_args__ = plugin_table(
        PLUGIN,
        UniqueConstraint("project_id", "contact_id"),
        CheckConstraint(
            "role in ('decision_maker', 'influencer', 'technical_evaluator', 'user', 'gatekeeper')",
            name="role",
        ),
        CheckConstraint("attitude in ('supporter', 'neutral', 'opponent')", name="attitude"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("ps_project.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int] = mapped_column(ForeignKey("crm_contact.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(32))
    attitude: Mapped[str] = mapped_column(String(16), default="neutral")
    reports_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("ps_project_contact.id", ondelete="SET NULL")
    )
    notes: Mapped[str | None] = mapped_column(Text)


class Competitor(GrantScoped, Base):
    __crm_grant__ = ("ps_project", "project_id")
    """A competitor on a project: a customer record of kind competitor."""

    __tablename__ = "ps_competitor"
    __table_args__ = plugin_table(PLUGIN, UniqueConstraint("project_id", "competitor_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("ps_project.id", ondelete="CASCADE"), index=True
    )
    competitor_id: Mapped[int] = mapped_column(ForeignKey("crm_customer.id"), index=True)
    strengths: Mapped[str | None] = mapped_column(Text)
    weaknesses: Mapped[str | None] = mapped_column(Text)
    quoted_price: Mapped[Decimal | None] = mapped_column(Money)


class Quote(GrantScoped, Base):
    __crm_grant__ = ("ps_project", "project_id")
    __tablename__ = "ps_quote"
    __table_args__ = plugin_table(
        PLUGIN,
        UniqueConstraint("project_id", "version"),
        CheckConstraint("status in ('draft', 'sent', 'accepted', 'rejected')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("ps_project.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    total: Mapped[Decimal] = mapped_column(Money)
    cost: Mapped[Decimal] = mapped_column(Money)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuoteLine(CustomerScoped, Base):
    __tablename__ = "ps_quote_line"
    __table_args__ = plugin_table(
        PLUGIN,
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("discount_pct >= 0", name="discount"),  # <= 100% is checked by the service
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("ps_quote.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("crm_product.id"))
    description: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    discount_pct: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    unit_cost: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    amount: Mapped[Decimal] = mapped_column(Money)


class ProjectCost(GrantScoped, Base):
    __crm_grant__ = ("ps_project", "project_id")
    """Costs (delivery, materials, subcontracting) and expenses (travel, entertainment) of a project."""

    __tablename__ = "ps_cost"
    __table_args__ = plugin_table(
        PLUGIN,
        CheckConstraint("kind in ('goods', 'cost', 'expense')", name="kind"),
        CheckConstraint("amount > 0", name="amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("ps_project.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))
    category: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Money)
    spent_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id"))


class Member(GrantScoped, Base):
    __crm_grant__ = ("ps_project", "project_id")
    __tablename__ = "ps_member"
    __table_args__ = plugin_table(PLUGIN, UniqueConstraint("project_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("ps_project.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("crm_user.id"))
    role: Mapped[str] = mapped_column(String(64), default="member")


class Task(GrantScoped, Base):
    __crm_grant__ = ("ps_project", "project_id")
    __tablename__ = "ps_task"
    __table_args__ = plugin_table(PLUGIN, Index("ix_ps_task_assignee_due", "assignee_id", "due_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("ps_project.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    assignee_id: Mapped[int] = mapped_column(ForeignKey("crm_user.id"))
    due_on: Mapped[date] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProjectNote(GrantScoped, Base):
    __crm_grant__ = ("ps_project", "project_id")
    __tablename__ = "ps_note"
    __table_args__ = plugin_table(PLUGIN)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("ps_project.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
