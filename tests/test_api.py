"""The library API (`crm_core.api`): typed inputs, plain results, one transaction per block,
the acting user's visibility on every read. Each test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from crm_core.api import (
    KEEP,
    MAX_LIMIT,
    Crm,
    CrmError,
    CustomerChanges,
    CustomerQuery,
    DuplicateError,
    ImportOptions,
    ImportRejected,
    InteractionQuery,
    NewContact,
    NewCustomer,
    NewField,
    NewInteraction,
    NewProduct,
    NotFound,
    PermissionDenied,
    RuleSpec,
    ValidationError,
)
from crm_core.kernel.models import AuditEntry, Customer
from tests.conftest import Org


@pytest.fixture
def crm(org: Org) -> Crm:
    return Crm(org.deployment)


def customer_count(crm: Crm) -> int:
    with crm.as_user("admin") as admin:
        return int(admin.context.session.scalar(select(func.count()).select_from(Customer)) or 0)


def define_budget(crm: Crm) -> None:
    with crm.as_user("admin", write=True) as admin:
        admin.fields.define(NewField("customers", "budget", "decimal", label_zh="预算"))
        admin.fields.define(
            NewField("customers", "channel", "choice", choices=("展会", "转介绍"), label_zh="来源")
        )


def test_create_read_update_with_typed_values(crm: Crm, org: Org) -> None:
    define_budget(crm)
    with crm.as_user("sh_sales1", write=True) as li:
        made = li.customers.create(
            NewCustomer(
                "杭州甲公司",
                region="华东",
                phone="0571-8888 0001",
                custom={"预算": "120,000", "来源": "展会"},
            )
        )
    # The record is a plain value: readable after its transaction, and frozen.
    assert made.owner == "sh_sales1"
    assert made.custom == {"budget": Decimal("120000"), "channel": "展会"}
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made.name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        made.custom["budget"] = 1  # type: ignore[index]

    with crm.as_user("sh_sales1", write=True) as li:
        changed = li.customers.update(
            made.id, CustomerChanges(level="A", phone=None, custom={"budget": "150000"})
        )
    assert (changed.level, changed.phone, changed.region) == ("A", None, "华东")  # KEEP kept it
    assert changed.custom["budget"] == Decimal("150000")

    with crm.as_user("admin") as admin:
        fields = {
            e.field
            for e in admin.context.session.scalars(
                select(AuditEntry).where(
                    AuditEntry.entity == "crm_customer", AuditEntry.entity_id == str(made.id)
                )
            )
            if e.field
        }
    assert {"level", "phone", "custom.budget"} <= fields

    with crm.as_user("sh_sales1") as li:
        assert li.customers.get("杭州甲公司").id == made.id
        profile = li.customers.profile(made.id)
    assert profile.customer == changed
    assert profile.sections  # the core's contacts/interactions sections at least


def test_nothing_to_change_and_bad_input_are_refused(crm: Crm, org: Org) -> None:
    mine = org.customer_of["sh_sales1"]
    with pytest.raises(ValidationError), crm.as_user("sh_sales1", write=True) as li:
        li.customers.update(mine, CustomerChanges())
    with pytest.raises(ValidationError), crm.as_user("sh_sales1", write=True) as li:
        li.customers.create(NewCustomer("  "))
    with pytest.raises(ValidationError), crm.as_user("sh_sales1") as li:
        li.customers.list(limit=0)
    with pytest.raises(ValidationError), crm.as_user("sh_sales1") as li:
        li.customers.list(limit=MAX_LIMIT + 1)
    with pytest.raises(ValidationError, match="format must be one of"), crm.as_user("boss") as b:
        b.reports.write("customers-by-segment", Path("out.pdf"), "pdf")
    assert CustomerChanges().values() == {}
    assert CustomerChanges(notes=None, name=KEEP).values() == {"notes": None}


def test_every_read_is_filtered_by_the_acting_user(crm: Crm, org: Org) -> None:
    define_budget(crm)
    theirs = org.customer_of["sh_sales2"]
    with crm.as_user("sh_sales2", write=True) as other:
        other.fields.set("customers", theirs, {"budget": "99"})
    with crm.as_user("sh_sales1") as li:
        seen = {c.id for c in li.customers.every()}
        with pytest.raises(NotFound):
            li.customers.get(theirs)
        assert li.fields.values("customers", theirs) == {}
        budgets = li.customers.list(CustomerQuery(where=["budget>=1"]))
    assert seen == {org.customer_of["sh_sales1"], org.customer_of["pool"]}  # own + pool
    assert list(budgets) == []
    with crm.as_user("sh_mgr") as manager:
        team = {c.id for c in manager.customers.every()}
        assert manager.fields.values("customers", theirs) == {"budget": Decimal("99")}
    assert {org.customer_of[x] for x in ("sh_sales1", "sh_sales2", "sh_mgr")} <= team
    assert org.customer_of["south_sales"] not in team


def test_pages_follow_the_keyset_to_the_end(crm: Crm, org: Org) -> None:
    with crm.as_user("sh_sales1", write=True) as li:
        for n in range(7):
            li.customers.create(NewCustomer(f"分页客户{n}号", region="华北"))
    with crm.as_user("sh_sales1") as li:
        query = CustomerQuery(region="华北")
        first = li.customers.list(query, limit=3)
        second = li.customers.list(query, after=first.after or 0, limit=3)
        third = li.customers.list(query, after=second.after or 0, limit=3)
        everything = [c.name for c in li.customers.every(query, page=2)]
    assert (len(first), len(second), len(third)) == (3, 3, 1)
    assert third.after is None
    assert [c.name for c in (*first, *second, *third)] == everything
    assert everything == [f"分页客户{n}号" for n in range(7)]


def test_a_block_is_one_transaction(crm: Crm, org: Org) -> None:
    before = customer_count(crm)
    with pytest.raises(DuplicateError), crm.as_user("sh_sales1", write=True) as li:
        li.customers.create(NewCustomer("事务客户一"))
        li.customers.create(NewCustomer("事务客户一 "))  # the same name key: refused
    with crm.as_user("sh_sales1") as li:  # not a write block: nothing is committed
        li.customers.create(NewCustomer("只读块里的客户"))
    assert customer_count(crm) == before


def test_rights_are_the_acting_users(crm: Crm, org: Org) -> None:
    theirs = org.customer_of["sh_sales2"]
    with pytest.raises(NotFound), crm.as_user("sh_sales1", write=True) as li:
        li.customers.update(theirs, CustomerChanges(level="A"))
    with pytest.raises(PermissionDenied), crm.as_user("sh_sales1", write=True) as li:
        li.products.add(NewProduct("P-1", "产品一"))
    with pytest.raises(PermissionDenied), crm.as_user("sh_sales1", write=True) as li:
        li.fields.define(NewField("customers", "x", "text"))
    with crm.as_user("sh_mgr", write=True) as manager:
        moved = manager.customers.transfer([theirs], "sh_sales1", reason="调岗")
    assert moved.moved["customers"] == 1
    with crm.as_user("sh_sales1") as li:
        assert li.customers.get(theirs).owner == "sh_sales1"


def test_contacts_interactions_and_products(crm: Crm, org: Org) -> None:
    mine = org.customer_of["sh_sales1"]
    yesterday = datetime.now() - timedelta(days=1)
    with crm.as_user("sh_mgr", write=True) as manager:
        product = manager.products.add(NewProduct("GX-01", "工业洗地机", price="19999.50"))
    with crm.as_user("sh_sales1", write=True) as li:
        contact = li.contacts.add(NewContact(mine, "王经理", email="wang@example.cn"))
        logged = li.interactions.log(
            NewInteraction(
                mine,
                "拜访",  # a Chinese label of the interaction_kind picklist
                contact=contact.id,
                occurred_at=yesterday,
                next_contact_on=date.today() + timedelta(days=3),
            )
        )
    assert product.price == Decimal("19999.50")
    assert (logged.kind, logged.user, logged.contact_id) == ("visit", "sh_sales1", contact.id)
    assert logged.occurred_at.utcoffset() is not None
    with crm.as_user("sh_sales1") as li:
        assert [c.name for c in li.contacts.list(mine)] == ["王经理"]
        mine_only = li.interactions.list(InteractionQuery(customer=mine))
        counts = li.interactions.per_day(InteractionQuery(user="sh_sales1"))
        assert li.products.get("GX-01") == product
    assert [i.kind for i in mine_only] == ["call", "visit"]
    assert sum(c.count for c in counts) == 2
    with pytest.raises(ValidationError), crm.as_user("sh_sales1", write=True) as li:
        li.contacts.add(NewContact(mine, "错误邮箱", email="not-an-email"))


def test_reports_files_rules_and_sync(crm: Crm, org: Org, tmp_path: Path) -> None:
    define_budget(crm)
    with crm.as_user("admin", write=True) as admin:
        admin.rules.add(
            RuleSpec("华南归华南", "customer.created", "assign-owner south_sales", ("region=华南",))
        )
        assert [r.name for r in admin.rules.list()] == ["华南归华南"]
        assert "by-custom-field" in {r.name for r in admin.reports.available()}
        trial = admin.rules.test("华南归华南", org.customer_of["sh_sales1"])
    assert trial.matched is False  # that customer has no region

    sheet = tmp_path / "名单.xlsx"
    book = Workbook()
    rows = [
        ["客户名称", "地区", "预算"],
        ["广州乙公司", "华南", "500"],
        ["上海丙公司", "华东", "7"],
    ]
    for row in rows:
        book.active.append(row)
    book.save(sheet)
    with crm.as_user("east_mgr", write=True) as manager:
        result = manager.files.import_file("customers", sheet, ImportOptions(owner="east_sales"))
    assert (result.inserted, result.rejected) == (2, 0)
    with crm.as_user("admin") as admin:
        assert admin.customers.get("广州乙公司").owner == "south_sales"  # the rule assigned it
        table = admin.reports.run("by-custom-field", field="来源")
        regions = admin.reports.run("customers-by-segment", by="region")
        first = admin.reports.run("customers-by-segment", by="region", first_rows=1)
        exported = admin.files.export_file("customers", tmp_path / "out.xlsx", {"地区": "华南"})
        written = admin.reports.write("customers-by-segment", tmp_path / "seg.xlsx", by="region")
        changes = admin.sync.export(tmp_path / "erp.json", date.today().isoformat())
    assert table.records() == [{"channel": "-", "count": 8}]  # nobody gave a channel
    assert len(regions.rows) > 1 and not regions.more
    assert first.rows == regions.rows[:1] and first.more
    assert exported.rows == 1
    out = load_workbook(tmp_path / "out.xlsx").active
    assert out is not None
    header = [c.value for c in out[1]]
    assert out.cell(2, header.index("name") + 1).value == "广州乙公司"
    assert out.cell(2, header.index("budget") + 1).value == 500
    assert written.columns[0] == "region"
    assert changes["customers"] >= 2


def test_a_failed_all_or_nothing_import_writes_nothing(crm: Crm, org: Org, tmp_path: Path) -> None:
    sheet = tmp_path / "bad.csv"
    sheet.write_text("客户名称,类型\n好客户,customer\n坏客户,不是类型\n", encoding="gb18030")
    before = customer_count(crm)
    with pytest.raises(ImportRejected), crm.as_user("sh_sales1", write=True) as li:
        li.files.import_file("customers", sheet, ImportOptions(all_or_nothing=True))
    assert customer_count(crm) == before
    result = crm.import_file("sh_sales1", "customers", sheet, ImportOptions(batch_size=1))
    assert (result.inserted, result.rejected) == (1, 1)
    assert customer_count(crm) == before + 1


def test_opening_a_missing_deployment_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CrmError, match="crm init"):
        Crm.open(f"sqlite:///{tmp_path / 'none.db'}")


def test_a_customer_a_rule_gives_away_is_reported_then_hidden(crm: Crm, org: Org) -> None:
    with crm.as_user("admin", write=True) as admin:
        admin.rules.add(
            RuleSpec("华南归华南", "customer.created", "assign-owner south_sales", ("region=华南",))
        )
    with crm.as_user("sh_sales1", write=True) as li:
        given_away = li.customers.create(NewCustomer("广州丁公司", region="华南"))
    # The creator learns who holds it now (as a duplicate check would tell them), then loses it.
    assert (given_away.name, given_away.owner) == ("广州丁公司", "south_sales")
    with pytest.raises(NotFound), crm.as_user("sh_sales1") as li:
        li.customers.get(given_away.id)
