"""A Desk: one unit of work as one user, with the API's parts as attributes."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crm_core.api.configuration import Fields, Picklists, Rules
    from crm_core.api.contacts import Contacts
    from crm_core.api.customers import Customers
    from crm_core.api.exchange import Exchange
    from crm_core.api.files import Files
    from crm_core.api.interactions import Interactions
    from crm_core.api.products import Products
    from crm_core.api.reports import Reports

from crm_core.hooks.actor import Actor
from crm_core.hooks.context import Context


class Desk:
    """Everything one user may do in one transaction. Every read is filtered by that user's
    visibility and every write is judged by their rights; the results are plain values that stay
    readable after the transaction ends.

    Plugins' own services take the same Context: `desk.context`. Each part's module is
    imported when the part is first used.
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
