"""What a deployment records about itself: plugins enabled there, and its settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.foundation.schema import Base
from crm_core.foundation.types import UTCDateTime


class PluginState(Base):
    """One row per plugin ever enabled here; disabling flips `enabled` and keeps all data."""

    __tablename__ = "crm_plugin_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[str] = mapped_column(String(32))
    enabled: Mapped[bool] = mapped_column(Boolean)
    first_enabled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    enabled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Setting(Base):
    """A deployment setting (e.g. protection days, grade thresholds); JSON value."""

    __tablename__ = "crm_setting"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[object] = mapped_column(JSON)
