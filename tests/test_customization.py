"""Customization without code: custom fields end to end, picklists, automation rules, sync."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from crm_core.features.imports.service import import_file
from crm_core.features.reports import engine as reports
from crm_core.features.rules import RuleLoopError
from crm_core.features.rules.store import RuleSpec, add
from crm_core.foundation.errors import DuplicateError, NotFound, PermissionDenied, ValidationError
from crm_core.hooks.actor import SYSTEM
from crm_core.kernel.models import AuditEntry, Customer, FollowUp, Interaction
from crm_core.services import custom_fields, customers, interactions, picklists
from tests.conftest import Org


def xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def define_budget_and_channel(org: Org) -> None:
    with org.work("admin", write=True) as ctx:
        custom_fields.define(ctx, "customers", "budget", "decimal", label="Budget", label_zh="预算")
        custom_fields.define(
            ctx,
            "customers",
            "channel",
            "choice",
            choices=["展会", "转介绍", "网络"],
            label="Channel",
            label_zh="来源渠道",
        )


# -- custom fields -------------------------------------------------------------------------------


def test_custom_field_end_to_end_import_filter_report_export(
    org: Org, tmp_path: Path, crm_cli
) -> None:
    define_budget_and_channel(org)
    sheet = xlsx(
        tmp_path / "客户.xlsx",
        [
            ["客户名称", "地区", "预算", "来源渠道"],
            ["杭州甲公司", "华东", "120000", "展会"],
            ["杭州乙公司", "华东", "80,000", "转介绍"],
            ["杭州丙公司", "华东", "", "展会"],
            ["杭州丁公司", "华东", "很多", "展会"],  # not a number
            ["杭州戊公司", "华东", "5000", "电视"],  # not a choice
        ],
    )
    with org.work("sh_sales1", write=True) as ctx:
        result = import_file(ctx, "customers", sheet)
    assert (result.inserted, result.rejected) == (3, 2)
    errors = load_workbook(result.error_file).active
    reasons = [row[-1] for row in errors.iter_rows(min_row=2, values_only=True)]
    assert "预算" in reasons[0] or "Budget" in reasons[0]
    assert "电视" in reasons[1]

    # filter: typed comparison on the number, equality on the choice
    rich = crm_cli(
        "customers", "list", "--where", "budget>=100000", "--format", "json", as_login="sh_sales1"
    ).json()
    assert [r["name"] for r in rich] == ["杭州甲公司"] and rich[0]["budget"] == "120000"
    fair = crm_cli(
        "customers", "list", "--where", "来源渠道=展会", "--format", "json", as_login="sh_sales1"
    ).json()
    assert sorted(r["name"] for r in fair) == ["杭州丙公司", "杭州甲公司"]
    assert (
        crm_cli("customers", "list", "--where", "budget>=lots", as_login="sh_sales1").exit_code != 0
    )
    assert (
        crm_cli("customers", "list", "--where", "owner_id=1", as_login="sh_sales1").exit_code != 0
    )

    # another salesperson's customer with a value: invisible in lists, reports and show
    with org.work("south_sales", write=True) as ctx:
        customers.create(
            ctx, {"name": "深圳己公司"}, custom={"budget": "999999", "channel": "网络"}
        )
    assert (
        crm_cli(
            "customers",
            "list",
            "--where",
            "budget>=100000",
            "--format",
            "json",
            as_login="sh_sales1",
        ).json()[0]["name"]
        == "杭州甲公司"
    )

    # report: grouped in SQL, checked against the values written, visible rows only
    with org.work("sh_sales1") as ctx:
        table = reports.run(ctx, "by-custom-field", {"field": "channel", "sum": "budget"})
    got = {row[0]: (row[1], Decimal(str(row[2]))) for row in table.rows}
    with org.work(SYSTEM) as ctx:
        seller = ctx.session.get(Customer, org.customer_of["sh_sales1"]).owner_id
        # what a salesperson sees: their own customers and the shared pool
        own = set(
            ctx.session.scalars(
                select(Customer.id).where(
                    (Customer.owner_id == seller) | Customer.owner_id.is_(None)
                )
            )
        )
        values = custom_fields.values_for(ctx, "customers", own)
    expected: dict[str, tuple[int, Decimal]] = {}
    for customer_id in own:
        channel = values.get(customer_id, {}).get("channel", "-")
        count, total = expected.get(channel, (0, Decimal(0)))
        budget = values.get(customer_id, {}).get("budget") or Decimal(0)
        expected[channel] = (count + 1, total + budget)
    assert got == expected
    assert got["展会"] == (2, Decimal("120000"))
    with org.work("admin") as ctx:
        everyone = reports.run(ctx, "by-custom-field", {"field": "来源渠道"})
    assert dict((r[0], r[1]) for r in everyone.rows)["网络"] == 1

    # export: the labels are the headers, only visible rows, values round-trip
    out = tmp_path / "out.xlsx"
    assert (
        crm_cli(
            "export", "customers", str(out), "--where", "来源渠道=展会", as_login="sh_sales1"
        ).exit_code
        == 0
    )
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    header = list(rows[0])
    assert "Budget" in header and "Channel" in header
    by_name = {r[header.index("name")]: r for r in rows[1:]}
    assert set(by_name) == {"杭州甲公司", "杭州丙公司"}
    assert by_name["杭州甲公司"][header.index("Budget")] in ("120000", 120000)


def test_custom_values_are_audited_visible_like_their_record_and_archived(
    org: Org, crm_cli
) -> None:
    define_budget_and_channel(org)
    mine = org.customer_of["sh_sales1"]
    theirs = org.customer_of["south_sales"]
    assert (
        crm_cli(
            "fields", "set", "customers", str(mine), "budget=5000", as_login="sh_sales1"
        ).exit_code
        == 0
    )
    assert (
        crm_cli(
            "fields",
            "set",
            "customers",
            str(mine),
            "budget=6000",
            "channel=网络",
            as_login="sh_sales1",
        ).exit_code
        == 0
    )
    with org.work(SYSTEM) as ctx:
        trail = ctx.session.execute(
            select(
                AuditEntry.field, AuditEntry.old_value, AuditEntry.new_value, AuditEntry.actor_id
            )
            .where(
                AuditEntry.entity == "crm_customer",
                AuditEntry.entity_id == str(mine),
                AuditEntry.field.like("custom.%"),
            )
            .order_by(AuditEntry.id)
        ).all()
    assert [(f, o, n) for f, o, n, _a in trail] == [
        ("custom.budget", None, "5000"),
        ("custom.budget", "5000", "6000"),
        ("custom.channel", None, "网络"),
    ]
    # not found looks the same for a hidden record and a missing one
    hidden = crm_cli("fields", "show", "customers", str(theirs), as_login="sh_sales1")
    missing = crm_cli("fields", "show", "customers", "987654", as_login="sh_sales1")
    assert hidden.exit_code == missing.exit_code != 0
    assert hidden.stderr.replace(str(theirs), "N") == missing.stderr.replace("987654", "N")
    assert (
        crm_cli(
            "fields", "set", "customers", str(theirs), "budget=1", as_login="sh_sales1"
        ).exit_code
        != 0
    )
    # a salesperson may not change a pool customer's values, a manager may see and change theirs
    assert (
        crm_cli(
            "fields",
            "set",
            "customers",
            str(org.customer_of["pool"]),
            "budget=1",
            as_login="sh_sales1",
        ).exit_code
        != 0
    )
    assert (
        crm_cli(
            "fields", "set", "customers", str(mine), "budget=7000", as_login="east_mgr"
        ).exit_code
        == 0
    )
    # only custom fields can be --set: owner and ids are not reachable this way
    assert (
        crm_cli(
            "customers", "update", str(mine), "--set", "owner_id=1", as_login="sh_sales1"
        ).exit_code
        != 0
    )
    # removing archives: values kept, hidden, restorable
    assert crm_cli("fields", "add", "customers", "budget", "--type", "int").exit_code != 0
    removed = crm_cli("fields", "remove", "customers", "budget")
    assert removed.exit_code == 0 and "1 values archived" in removed.output
    shown = crm_cli("customers", "show", str(mine), "--format", "json", as_login="sh_sales1").json()
    assert "budget" not in shown and shown["channel"] == "网络"
    readd = crm_cli("fields", "add", "customers", "budget", "--type", "int")
    assert readd.exit_code != 0 and "restore" in readd.stderr
    assert crm_cli("fields", "restore", "customers", "budget").exit_code == 0
    shown = crm_cli("customers", "show", str(mine), "--format", "json", as_login="sh_sales1").json()
    assert shown["budget"] == "7000"
    # only an admin defines fields
    assert (
        crm_cli("fields", "add", "customers", "x", "--type", "text", as_login="boss").exit_code != 0
    )


def test_field_types_validate_and_required_fields_are_enforced(org: Org) -> None:
    with org.work("admin", write=True) as ctx:
        custom_fields.define(ctx, "customers", "visits", "int")
        custom_fields.define(ctx, "customers", "signed_on", "date")
        custom_fields.define(ctx, "customers", "vip", "bool", label_zh="重点客户")
        custom_fields.define(ctx, "customers", "tax_no", "text", required=True, label_zh="税号")
        with pytest.raises(ValidationError):
            custom_fields.define(ctx, "customers", "region", "text")  # a column already
        with pytest.raises(ValidationError):
            custom_fields.define(ctx, "customers", "1bad", "text")
        with pytest.raises(ValidationError):
            custom_fields.define(ctx, "nowhere", "x", "text")
        with pytest.raises(DuplicateError):
            custom_fields.define(ctx, "customers", "vip", "bool")
    with org.work("sh_sales1", write=True) as ctx:
        with pytest.raises(ValidationError, match="税号|tax_no"):
            customers.create(ctx, {"name": "缺税号公司"})
        created = customers.create(
            ctx,
            {"name": "全字段公司"},
            custom={
                "tax_no": "91330100",
                "visits": "3",
                "signed_on": "2026/11/02",
                "重点客户": "是",
            },
        )
        for bad in ({"visits": "2.5"}, {"signed_on": "明天"}, {"vip": "maybe"}, {"tax_no": ""}):
            with pytest.raises(ValidationError):
                custom_fields.set_values(ctx, "customers", created.id, bad)
        values = custom_fields.values_for(ctx, "customers", [created.id])[created.id]
    assert values["visits"] == 3 and values["vip"] is True
    assert values["signed_on"].isoformat() == "2026-11-02"
    with org.work("sh_sales1") as ctx:
        after = custom_fields.where_clauses(ctx, "customers", ["signed_on>=2026-11-01", "vip=yes"])
        found = ctx.session.scalars(select(Customer.name).where(*after)).all()
    assert found == ["全字段公司"]


def test_custom_fields_on_interactions_import_and_plugin_free_entities(
    org: Org, tmp_path: Path
) -> None:
    with org.work("admin", write=True) as ctx:
        custom_fields.define(ctx, "interactions", "minutes", "int", label_zh="时长")
    sheet = tmp_path / "跟进.csv"
    sheet.write_text(
        "客户名称,方式,时间,时长\nsh_sales1 的客户有限公司,拜访,2026-11-01 10:00,45\n",
        encoding="utf-8-sig",
    )
    with org.work("sh_sales1", write=True) as ctx:
        result = import_file(ctx, "interactions", sheet)
        assert result.inserted == 1
        newest = ctx.session.scalar(select(func.max(Interaction.id)))
        assert custom_fields.values_for(ctx, "interactions", [newest])[newest]["minutes"] == 45


# -- picklists -----------------------------------------------------------------------------------


def test_picklists_edit_kinds_labels_and_rename_keeps_records(org: Org, crm_cli) -> None:
    customer = str(org.customer_of["sh_sales1"])
    assert (
        crm_cli("interactions", "log", customer, "--kind", "展会", as_login="sh_sales1").exit_code
        != 0
    )
    assert (
        crm_cli(
            "picklists",
            "add",
            "interaction_kind",
            "fair",
            "--label",
            "Trade fair",
            "--label-zh",
            "展会",
        ).exit_code
        == 0
    )
    assert (
        crm_cli("interactions", "log", customer, "--kind", "展会", as_login="sh_sales1").exit_code
        == 0
    )
    assert (
        crm_cli("interactions", "log", customer, "--kind", "拜访", as_login="sh_sales1").exit_code
        == 0
    )
    with org.work(SYSTEM) as ctx:
        kinds = ctx.session.scalars(
            select(Interaction.kind).order_by(Interaction.id.desc()).limit(2)
        ).all()
    assert kinds == ["visit", "fair"]
    listed = crm_cli("picklists", "list", "interaction_kind", "--format", "json").json()
    assert {"code": "fair", "label": "Trade fair", "label_zh": "展会", "active": True} in listed
    assert crm_cli("picklists", "add", "interaction_kind", "x", as_login="boss").exit_code != 0

    # industry becomes controlled once it has values; labels resolve to codes
    assert (
        crm_cli(
            "picklists", "add", "industry", "智能制造", "--label", "Smart manufacturing"
        ).exit_code
        == 0
    )
    with org.work("sh_sales1", write=True) as ctx:
        made = customers.create(ctx, {"name": "标签公司", "industry": "smart MANUFACTURING"})
        assert made.industry == "智能制造"
        with pytest.raises(ValidationError, match="industry"):
            customers.create(ctx, {"name": "自由行业公司", "industry": "养殖"})
    renamed = crm_cli("picklists", "rename", "industry", "智能制造", "先进制造", "--format", "json")
    assert renamed.exit_code == 0 and renamed.json() == [
        {"field": "customers.industry", "records": 1}
    ]
    with org.work("sh_sales1") as ctx:
        assert customers.get(ctx, "标签公司").industry == "先进制造"
    with org.work(SYSTEM) as ctx:
        audit = ctx.session.execute(
            select(AuditEntry.old_value, AuditEntry.new_value).where(AuditEntry.field == "industry")
        ).all()
    assert ("智能制造", "先进制造") in audit
    retired = crm_cli("picklists", "retire", "industry", "先进制造")
    assert retired.exit_code == 0 and "1 records keep it" in retired.output
    with org.work("sh_sales1", write=True) as ctx:
        customers.update(ctx, "标签公司", {"notes": "行业已停用，记录保留"})


def test_choice_field_choices_are_a_picklist(org: Org) -> None:
    define_budget_and_channel(org)
    mine = org.customer_of["sh_sales1"]
    with org.work("sh_sales1", write=True) as ctx:
        custom_fields.set_values(ctx, "customers", mine, {"channel": "展会"})
    with org.work("admin", write=True) as ctx:
        picklists.rename(ctx, "customers.channel", "展会", "行业展会")
        picklists.add(ctx, "customers.channel", "老客户")
    with org.work("sh_sales1", write=True) as ctx:
        assert custom_fields.values_for(ctx, "customers", [mine])[mine]["channel"] == "行业展会"
        custom_fields.set_values(ctx, "customers", mine, {"channel": "老客户"})
        with pytest.raises(PermissionDenied):
            picklists.add(ctx, "customers.channel", "自己加的")


# -- rules ---------------------------------------------------------------------------------------


def test_rule_assigns_new_customers_by_region(org: Org, tmp_path: Path, crm_cli) -> None:
    added = crm_cli(
        "rules",
        "add",
        "华南归华南",
        "--on",
        "customer.created",
        "--when",
        "region=华南",
        "--do",
        "assign-owner south_sales",
    )
    assert added.exit_code == 0, added.stderr
    assert (
        crm_cli(
            "rules", "add", "bad", "--on", "customer.created", "--do", "assign-owner nobody"
        ).exit_code
        != 0
    )
    assert (
        crm_cli(
            "rules",
            "add",
            "bad",
            "--on",
            "customer.created",
            "--when",
            "colour=red",
            "--do",
            "follow-up 1 x",
        ).exit_code
        != 0
    )
    assert (
        crm_cli("rules", "add", "bad", "--on", "no.event", "--do", "follow-up 1 x").exit_code != 0
    )
    with org.work("sh_sales1", write=True) as ctx:
        south = customers.create(ctx, {"name": "广州新客户", "region": "华南"})
        east = customers.create(ctx, {"name": "苏州新客户", "region": "华东"})
    with org.work("admin") as ctx:
        owners = {c.name: c.owner_id for c in ctx.session.scalars(select(Customer))}
        south_id = ctx.session.scalar(
            select(Customer.owner_id).where(Customer.id == org.customer_of["south_sales"])
        )
    assert owners["广州新客户"] == south_id and owners["苏州新客户"] != south_id
    # the creator no longer sees what the rule gave away: and not through a stale session either
    with org.work("sh_sales1") as ctx:
        with pytest.raises(NotFound):
            customers.get(ctx, south.id)
        customers.get(ctx, east.id)
    # imports fire the same event, once per batch
    sheet = tmp_path / "list.csv"
    sheet.write_text("客户名称,地区\n佛山甲,华南\n南京乙,华东\n", encoding="utf-8")
    with org.work("sh_sales1", write=True) as ctx:
        assert import_file(ctx, "customers", sheet).inserted == 2
    with org.work("south_sales") as ctx:
        assert customers.get(ctx, "佛山甲").owner_id == south_id
    listed = crm_cli("rules", "list", "--format", "json").json()
    assert listed == [
        {
            "name": "华南归华南",
            "on": "customer.created",
            "when": "region=华南",
            "do": "assign-owner south_sales",
            "enabled": True,
        }
    ]
    assert crm_cli("rules", "disable", "华南归华南").exit_code == 0
    with org.work("sh_sales1", write=True) as ctx:
        later = customers.create(ctx, {"name": "广州后来的客户", "region": "华南"})
        assert later.owner_id != south_id


def test_rule_loop_is_stopped_and_nothing_is_written(org: Org, crm_cli) -> None:
    with org.work("admin", write=True) as ctx:
        add(ctx, RuleSpec("升A", "customer.level_changed", "change-level B", ("level=A",)))
        add(ctx, RuleSpec("降B", "customer.level_changed", "change-level A", ("level=B",)))
    mine = org.customer_of["sh_sales1"]
    with org.work(SYSTEM) as ctx:
        audit_before = ctx.session.scalar(select(func.count()).select_from(AuditEntry))
    with pytest.raises(RuleLoopError, match="升A → 降B"), org.work("sh_sales1", write=True) as ctx:
        customers.set_level(ctx, mine, "A")
    failed = crm_cli("customers", "update", str(mine), "--level", "A", as_login="sh_sales1")
    assert failed.exit_code != 0 and "Traceback" not in failed.stderr
    assert len(failed.stderr.strip().splitlines()) == 1
    with org.work(SYSTEM) as ctx:
        assert ctx.session.get(Customer, mine).level == "lead"
        assert ctx.session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before


def test_rules_test_shows_effects_without_writing_and_toml_load(
    org: Org, tmp_path: Path, crm_cli
) -> None:
    define_budget_and_channel(org)
    rules_file = tmp_path / "rules.toml"
    rules_file.write_text(
        """
[[rule]]
name = "大单提醒"
on = "customer.created"
when = ["custom.budget >= 100000", "owner not-empty"]
do = "follow-up 2 大单客户，两天内上门"

[[rule]]
name = "展会客户升级"
on = "customer.created"
when = "custom.channel = 展会"
do = "set level=prospect"
""",
        encoding="utf-8",
    )
    assert crm_cli("rules", "load", str(rules_file)).exit_code == 0
    assert crm_cli("rules", "load", str(rules_file)).exit_code == 0  # replacing: idempotent
    assert len(crm_cli("rules", "list", "--format", "json").json()) == 2
    broken = tmp_path / "broken.toml"
    broken.write_text('[[rule]]\nname = "x"\non = "customer.created"\ndo = "launch rockets"\n')
    assert crm_cli("rules", "load", str(broken)).exit_code != 0
    with org.work("sh_sales1", write=True) as ctx:
        big = customers.create(
            ctx, {"name": "大单公司"}, custom={"budget": "200000", "channel": "展会"}
        )
    with org.work(SYSTEM) as ctx:
        assert ctx.session.get(Customer, big.id).level == "prospect"
        follow = ctx.session.scalars(select(FollowUp)).one()
    assert follow.rule == "大单提醒" and follow.customer_id == big.id
    due = crm_cli(
        "reminders",
        "--as",
        "sh_sales1",
        "--date",
        follow.due_on.isoformat(),
        "--format",
        "json",
        as_login="sh_sales1",
    )
    assert any("两天内上门" in r["what"] for r in due.json())

    mine = org.customer_of["sh_sales1"]
    with org.work("sh_sales1", write=True) as ctx:
        custom_fields.set_values(ctx, "customers", mine, {"budget": "150000"})
    with org.work(SYSTEM) as ctx:
        follow_ups_before = ctx.session.scalar(select(func.count()).select_from(FollowUp))
    shown = crm_cli("rules", "test", "大单提醒", "--record", str(mine), "--format", "json").json()
    assert shown["matched"] is True
    assert [e["entity"] for e in shown["effects"]] == ["crm_follow_up"]
    no = crm_cli("rules", "test", "展会客户升级", "--record", str(mine), "--format", "json").json()
    assert no["matched"] is False and no["conditions"][0]["holds"] is False
    with org.work(SYSTEM) as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(FollowUp)) == follow_ups_before
    assert (
        crm_cli("rules", "test", "大单提醒", "--record", str(mine), as_login="sh_sales1").exit_code
        != 0
    )


def test_rule_on_logged_interaction(org: Org) -> None:
    with org.work("admin", write=True) as ctx:
        add(
            ctx,
            RuleSpec(
                "拜访后跟进", "interaction.logged", "follow-up 7 拜访后一周回访", ("kind=visit",)
            ),
        )
    with org.work("east_sales", write=True) as ctx:
        interactions.log(ctx, str(org.customer_of["east_sales"]), "visit")
        interactions.log(ctx, str(org.customer_of["east_sales"]), "call")
    with org.work("east_sales") as ctx:
        found = ctx.session.scalars(select(FollowUp)).all()
    assert len(found) == 1 and found[0].text == "拜访后一周回访"


# -- sync ----------------------------------------------------------------------------------------


def test_sync_export_since_lists_changed_visible_customers(
    org: Org, tmp_path: Path, crm_cli
) -> None:
    import json

    define_budget_and_channel(org)
    out = tmp_path / "changes.json"
    everything = crm_cli(
        "sync", "export", str(out), "--since", "2000-01-01", "--format", "json", as_login="sh_mgr"
    )
    assert everything.exit_code == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    names = {c["name"] for c in document["kinds"]["customers"]}
    assert "south_sales 的客户有限公司" not in names and "sh_sales1 的客户有限公司" in names
    with org.work("sh_sales1", write=True) as ctx:
        customers.update(
            ctx, org.customer_of["sh_sales1"], {"notes": "改过"}, custom={"budget": "10"}
        )
    assert crm_cli("sync", "export", str(out), "--since", "last", as_login="sh_mgr").exit_code == 0
    changed = json.loads(out.read_text(encoding="utf-8"))["kinds"]["customers"]
    assert [(c["name"], c["budget"]) for c in changed] == [("sh_sales1 的客户有限公司", "10")]
    assert crm_cli("sync", "export", str(out), "--since", "yesterday").exit_code != 0
    bad = tmp_path / "erp.json"
    bad.write_text('{"items": [{"kind": "rocket", "id": "1"}]}', encoding="utf-8")
    refused = crm_cli("sync", "import", str(bad))
    assert refused.exit_code != 0 and "rocket" in refused.stderr
    assert crm_cli("sync", "import", str(bad), as_login="sh_sales1").exit_code != 0
    garbled = tmp_path / "garbled.json"
    garbled.write_bytes(b"\xff\xfe\x00\xd8\x00\xd8")
    unreadable = crm_cli("sync", "import", str(garbled))
    assert unreadable.exit_code != 0 and len(unreadable.stderr.strip().splitlines()) == 1
