"""A picklist as declared (`crm_register_picklists`): the values a field may take, each with an
English and a Chinese label (see crm_core.services.picklists for how they are kept)."""

from __future__ import annotations

import attrs

from crm_core.foundation import i18n
from crm_core.hooks.registry import Collection


@attrs.frozen
class Choice:
    code: str
    label: str
    label_zh: str = ""

    def display(self) -> str:
        return self.label_zh if i18n.language() == "zh" and self.label_zh else self.label


@attrs.frozen
class Picklist:
    """A declared picklist: its name, titles, the (entity, field) pairs it governs, defaults."""

    name: str
    title: str
    title_zh: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    defaults: tuple[Choice, ...] = ()
    #: The codes are the program's (customer kinds, levels): an admin may relabel them, not add,
    #: rename or retire any, since code decides what each one means.
    fixed: bool = False


PICKLISTS: Collection[Picklist] = Collection("crm_register_picklists", "picklist", lambda p: p.name)
