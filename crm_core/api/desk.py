"""A Desk: one unit of work as one user, with the API's parts as attributes."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crm_core.api.audit import Audit
    from crm_core.api.configuration import Fields, Picklists, Rules
    from crm_core.api.contacts import Contacts
    from crm_core.api.customers import Customers
    from crm_core.api.demo_data import DemoData
    from crm_core.api.exchange import Exchange
    from crm_core.api.files import Files
    from crm_core.api.follow_ups import FollowUps
    from crm_core.api.interactions import Interactions
    from crm_core.api.products import Products
    from crm_core.api.reports import Reports
    from crm_core.api.rollups import Rollups
    from crm_core.api.settings import Settings
    from crm_core.api.teams import Teams
    from crm_core.api.tokens import Tokens
    from crm_core.api.tracking import Tracking
    from crm_core.api.trash import Trash
    from crm_core.api.users import Users

from crm_core.foundation.errors import NotFound
from crm_core.hooks.actor import Actor
from crm_core.hooks.api_parts import API_PARTS
from crm_core.hooks.context import Context


class Desk:
    """Everything one user may do in one transaction. Every read is filtered by that user's
    visibility and every write is judged by their rights; the results are plain values that stay
    readable after the transaction ends.

    Plugins add parts of their own (`crm_register_api_parts`): `desk.projects` or
    `desk.part("projects")`. Each part is built on first use and kept for the unit of work.
    """

    def __init__(self, ctx: Context) -> None:
        self.context = ctx

    @property
    def user(self) -> Actor:
        return self.context.actor

    @cached_property
    def customers(self) -> Customers:
        from crm_core.api.customers import Customers

        return Customers(self.context)

    @cached_property
    def contacts(self) -> Contacts:
        from crm_core.api.contacts import Contacts

        return Contacts(self.context)

    @cached_property
    def interactions(self) -> Interactions:
        from crm_core.api.interactions import Interactions

        return Interactions(self.context)

    @cached_property
    def products(self) -> Products:
        from crm_core.api.products import Products

        return Products(self.context)

    @cached_property
    def reports(self) -> Reports:
        from crm_core.api.reports import Reports

        return Reports(self.context)

    @cached_property
    def files(self) -> Files:
        from crm_core.api.files import Files

        return Files(self.context)

    @cached_property
    def fields(self) -> Fields:
        from crm_core.api.configuration import Fields

        return Fields(self.context)

    @cached_property
    def picklists(self) -> Picklists:
        from crm_core.api.configuration import Picklists

        return Picklists(self.context)

    @cached_property
    def rules(self) -> Rules:
        from crm_core.api.configuration import Rules

        return Rules(self.context)

    @cached_property
    def sync(self) -> Exchange:
        from crm_core.api.exchange import Exchange

        return Exchange(self.context)

    @cached_property
    def users(self) -> Users:
        from crm_core.api.users import Users

        return Users(self.context)

    @cached_property
    def teams(self) -> Teams:
        from crm_core.api.teams import Teams

        return Teams(self.context)

    @cached_property
    def settings(self) -> Settings:
        from crm_core.api.settings import Settings

        return Settings(self.context)

    @cached_property
    def audit(self) -> Audit:
        from crm_core.api.audit import Audit

        return Audit(self.context)

    @cached_property
    def rollups(self) -> Rollups:
        from crm_core.api.rollups import Rollups

        return Rollups(self.context)

    @cached_property
    def demo_data(self) -> DemoData:
        from crm_core.api.demo_data import DemoData

        return DemoData(self.context)

    @cached_property
    def follow_ups(self) -> FollowUps:
        from crm_core.api.follow_ups import FollowUps

        return FollowUps(self.context)

    @cached_property
    def tokens(self) -> Tokens:
        from crm_core.api.tokens import Tokens

        return Tokens(self.context)

    @cached_property
    def tracking(self) -> Tracking:
        from crm_core.api.tracking import Tracking

        return Tracking(self.context)

    @cached_property
    def trash(self) -> Trash:
        from crm_core.api.trash import Trash

        return Trash(self.context)

    def part(self, name: str) -> Any:
        """The part `name`: the core's or one an enabled plugin registered."""
        if name in _CORE_PART_NAMES:
            return getattr(self, name)
        found = self.__dict__.get(name)
        if found is None:
            spec = self.context.registry(API_PARTS).get(name)
            if spec is None:
                raise NotFound(f"No API part {name!r} (is its plugin enabled?)")
            found = self.__dict__[name] = spec.factory(self.context)
        return found

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self.part(name)
        except NotFound as exc:
            raise AttributeError(str(exc)) from None


_CORE_PART_NAMES = frozenset(
    name for name, value in vars(Desk).items() if isinstance(value, cached_property)
)
