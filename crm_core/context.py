"""One unit of work: a session in one transaction, the acting user, the hooks, the settings."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from crm_core.actor import Actor
from crm_core.settings import Settings
from crm_core.types import utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from crm_core.deployment import Deployment
    from crm_core.plugins import HookRelay


class Context:
    def __init__(self, deployment: Deployment, session: Session, actor: Actor) -> None:
        self.deployment = deployment
        self.session = session
        self.actor = actor

    @property
    def hook(self) -> HookRelay:
        return self.deployment.hook

    @property
    def settings(self) -> Settings:
        return Settings(self.session, self.deployment.setting_specs, self._setting_changed)

    def _setting_changed(self, key: str) -> None:
        if key == "timezone":  # rollups bucket days in the deployment's zone: rebuild them
            from crm_core.services import rollup_upkeep

            rollup_upkeep.sync(self)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(str(self.settings.get("timezone")))

    def now(self) -> datetime:
        return utcnow()

    def today(self) -> date:
        """Today in the deployment's time zone."""
        return utcnow().astimezone(self.zone).date()

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)
