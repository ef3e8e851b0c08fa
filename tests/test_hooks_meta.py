"""Every hook is documented, has a docstring, and is exercised end to end (as datasette does)."""

from __future__ import annotations

import inspect as pyinspect
import random
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import func, select

from crm_core.features import reminders, rollups
from crm_core.features.imports import service as importing
from crm_core.features.reports import engine as reports
from crm_core.features.rules import fire
from crm_core.features.rules.store import RuleSpec
from crm_core.features.rules.store import add as add_rule
from crm_core.features.sync.exchange import import_items
from crm_core.features.tracking import goals as tracking
from crm_core.hooks import specs as hookspecs
from crm_core.kernel import lifecycle
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.models import Customer
from crm_core.services import (
    contacts,
    custom_fields,
    customers,
    interactions,
    picklists,
    sections,
    transfer,
    trash,
    users,
)
from crm_core.services.business import without_open_business
from crm_test_plugin import plugin as test_plugin
from crm_test_plugin.models import NOTES_BY_OWNER, Note, NotesByOwner
from tests.conftest import needs_the_three_blocks

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_hook_has_a_docstring_saying_when_it_fires() -> None:
    for name in hookspecs.all_hook_names():
        doc = pyinspect.getdoc(getattr(hookspecs, name)) or ""
        assert len(doc) > 40, name


def test_every_hook_is_documented_in_both_languages() -> None:
    english = (DOCS / "hooks.md").read_text(encoding="utf-8")
    chinese = (DOCS / "zh" / "hooks.md").read_text(encoding="utf-8")
    for name in hookspecs.all_hook_names():
        assert f"`{name}(" in english, name  # documented with its signature
        assert f"`{name}(" in chinese, name


def test_the_test_plugin_implements_every_hook() -> None:
    implemented = {name for name in dir(test_plugin) if name.startswith("crm_")}
    assert implemented == set(hookspecs.all_hook_names())


def test_every_hook_is_called_in_a_real_scenario(
    crm_deployment: Deployment, tmp_path: Path
) -> None:
    from crm_core.cli.main import run

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["客户名称"])
    sheet.append(["导入的公司"])
    book.save(tmp_path / "in.xlsx")
    admin = crm_deployment.resolve_actor("admin")
    lifecycle.enable(crm_deployment, admin, ["test_plugin"])
    lifecycle.enable(crm_deployment, admin, ["needy_plugin"])
    lifecycle.disable(crm_deployment, admin, "needy_plugin")
    lifecycle.upgrade(crm_deployment)
    with crm_deployment.work("admin", write=True) as ctx:
        users.add(ctx, "rep", "Rep")
        customer = customers.create(ctx, {"name": "全钩子公司"})
        customers.set_level(ctx, str(customer.id), "contacted")
        contact = contacts.add(ctx, str(customer.id), "联系人")
        contacts.update(ctx, contact.id, {"title": "经理"})
        discarded = contacts.delete(ctx, contact.id)
        trash.restore(ctx, discarded.trash_id)
        interactions.log(ctx, str(customer.id), "call")
        transfer.transfer_customers(ctx, [str(customer.id)], "rep")
        importing.import_file(ctx, "customers", tmp_path / "in.xlsx")
        reports.run(ctx, "notes-per-customer", {})
        reminders.collect(ctx, ctx.today())
        reminders.deliver(ctx, reminders.digest(ctx, ctx.today()))
        tracking.add_goal(ctx, "test_plugin", "notes are taken", ["noted-customers"])
        assert tracking.status(ctx, ctx.today())[0]["goals"][0]["indicators"][0]["current"] > 0
        sections.sections(ctx, customer)
        held = select(Customer.id).where(~without_open_business(ctx, Customer.id))
        assert customer.id not in ctx.session.scalars(held).all()
        ctx.session.add(Note(customer_id=customer.id, text="open"))
        assert customer.id in ctx.session.scalars(held).all()
        ctx.hook.crm_seed_demo_data(ctx=ctx, rng=random.Random(1), scale=1)
        # customization: a plugin entity with a custom field, its picklist, event, action, sync
        custom_fields.define(ctx, "notes", "mood", "choice", choices=["calm", "cross"])
        assert picklists.choices(ctx, "note_mood")[0][0].label_zh == "平静"
        note_id = ctx.session.execute(select(Note.id).order_by(Note.id)).scalars().first()
        add_rule(ctx, RuleSpec("喊", "note.taken", "shout"))
        fire(ctx, "note.taken", [note_id])
        assert ctx.session.get(Note, note_id).text.isupper()
        synced = import_items(
            ctx, [{"kind": "note", "id": "n1", "customer": "全钩子公司", "text": "x"}]
        )
        assert sum(synced.applied.values()) == 1 and synced.unchanged == 0, synced
        assert ctx.settings.get("test_plugin.forbidden_word") == "forbidden"
        ctx.settings.set("test_plugin.forbidden_word", "verboten")
        # its rollup follows the notes written above, through every write path used here
        assert rollups.differences(ctx.session.connection(), NOTES_BY_OWNER, "Asia/Shanghai") == 0
        assert ctx.session.scalar(select(func.sum(NotesByOwner.notes))) == ctx.session.scalar(
            select(func.count(Note.id))
        )
        assert "note-taker" in crm_deployment.permissions
    assert run(["--db", crm_deployment.url, "notes", "count"], catalog=crm_deployment.catalog) == 0
    from crm_core.server.route_table import RouteTable

    served = RouteTable(crm_deployment).current()
    assert "GET /api/v1/notes/count" in {r.key for r in served.plugins}
    assert "/notes" in {p.page.path for p in served.pages}
    assert {name for name, _ in test_plugin.CALLS} == set(hookspecs.all_hook_names())


@needs_the_three_blocks
def test_the_generated_references_are_current() -> None:
    """docs/reference/ is generated from the click commands and the hookspecs; a change to either
    without `python -m crm_core.docgen` fails here."""
    from crm_core import docgen

    for name, build in docgen.PAGES.items():
        committed = (docgen.REFERENCE / name).read_text(encoding="utf-8")
        assert committed == build(), (
            f"docs/reference/{name} is stale: run python -m crm_core.docgen"
        )
