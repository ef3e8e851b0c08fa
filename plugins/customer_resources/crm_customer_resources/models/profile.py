"""Per-customer data this block keeps beside the core customer row (a 1:1 side table)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.contract.tables import Base, CustomerScoped, UTCDateTime, plugin_table

PLUGIN = "customer_resources"
#: The customer lifecycle, in order; blacklist stands aside.
LEVELS = ("lead", "contacted", "qualified", "signed", "blacklist")


class CustomerProfile(CustomerScoped, Base):
    __tablename__ = "cr_customer_profile"
    __table_args__ = plugin_table(
        PLUGIN,
        CheckConstraint("grade IS NULL OR grade BETWEEN 1 AND 5", name="grade"),
        CheckConstraint(
            "grade_override IS NULL OR grade_override BETWEEN 1 AND 5", name="grade_override"
        ),
        # A team's oldest first, from its people's entries alone (reminders).
        Index("ix_cr_customer_profile_owner_contact", "owner_id", "last_contact_at", "customer_id"),
        Index(
            "ix_cr_customer_profile_owner_activity", "owner_id", "last_activity_at", "customer_id"
        ),
    )

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("crm_customer.id", ondelete="CASCADE"), primary_key=True
    )
    #: Computed from order totals for signed customers (thresholds are a setting).
    grade: Mapped[int | None] = mapped_column(Integer, index=True)
    #: Set by hand; wins over the computed grade.
    grade_override: Mapped[int | None] = mapped_column(Integer)
    #: Last interaction, claim or registration: protection runs from here.
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_interaction_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Last interaction, or registration if none: "not contacted" reminders run from here.
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: The customer's owner, copied by triggers whenever the profile is written or the customer
    #: changes hands (migration e7b2c94f0a63); whatever a writer puts here is replaced.
    owner_id: Mapped[int | None] = mapped_column(Integer)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    level_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def effective_grade(self) -> int | None:
        return self.grade_override if self.grade_override is not None else self.grade
