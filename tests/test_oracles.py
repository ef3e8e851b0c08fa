"""What a salesperson B can learn about customer C, owned by A, by asking cleverly.

Filters, searches, custom-field conditions, export filters and report groupings that only C
would match must answer as if C did not exist; a move in the team hierarchy moves visibility in
the same commit; and owner, ids and audit columns cannot be written by the side doors (`--set`,
import columns). On SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select

from crm_core.api import Crm, CrmError, CustomerQuery, NewField, NotFound, ValidationError
from crm_core.features.imports import service as importing
from crm_core.features.reports import engine as reports
from crm_core.kernel.models import Customer, User
from crm_core.services import customers, teams, users
from tests.conftest import Org

SECRET_PHONE = "13912345678"


@pytest.fixture
def secret(org: Org) -> int:
    """C: sh_sales1's customer, with a phone, a region and a budget only C has."""
    crm = Crm(org.deployment)
    with crm.as_user("admin", write=True) as admin:
        admin.fields.define(NewField("customers", "budget", "decimal", label_zh="预算"))
    c = org.customer_of["sh_sales1"]
    with org.work("sh_sales1", write=True) as ctx:
        customers.update(
            ctx, c, {"phone": SECRET_PHONE, "region": "秘密区"}, custom={"budget": "987654"}
        )
    return c


def test_filters_that_only_c_matches_find_nothing_for_b(org: Org, secret: int) -> None:
    crm = Crm(org.deployment)
    with crm.as_user("sh_sales2") as b:
        for query in (
            CustomerQuery(search=SECRET_PHONE),
            CustomerQuery(search="139123"),
            CustomerQuery(region="秘密区"),
            CustomerQuery(where=["budget=987654"]),
            CustomerQuery(where=["budget>987653"]),
            CustomerQuery(where=["预算>=987654"]),
            CustomerQuery(owner="sh_sales1"),
        ):
            assert list(b.customers.list(query)) == [], query
        assert b.fields.values("customers", secret) == {}
        table = b.reports.run("customers-by-segment", by="region")
        grouped = b.reports.run("by-custom-field", field="budget", sum="budget")
    assert "秘密区" not in {row[0] for row in table.rows}
    assert all(row[0] != "987654" for row in grouped.rows)
    assert sum(row[-1] for row in grouped.rows) == 0  # no budget B may see adds up to anything
    # A (and A's manager) get C through the very same queries.
    with crm.as_user("sh_mgr") as manager:
        assert [c.id for c in manager.customers.list(CustomerQuery(search=SECRET_PHONE))] == [
            secret
        ]


def test_export_filters_that_only_c_matches_write_no_rows(
    org: Org, secret: int, tmp_path: Path
) -> None:
    out = tmp_path / "b.csv"
    with org.work("sh_sales2") as ctx:
        assert importing.export_file(ctx, "customers", out, {"region": "秘密区"}) == 0
        assert importing.export_file(ctx, "customers", out, {"phone": SECRET_PHONE}) == 0
    with out.open(encoding="utf-8-sig") as handle:
        assert len(list(csv.reader(handle))) == 1  # the header only


def test_not_found_for_c_reads_like_a_missing_id_apart_from_the_holder(
    org: Org, secret: int
) -> None:
    crm = Crm(org.deployment)
    with crm.as_user("sh_sales2") as b:
        with pytest.raises(NotFound) as hidden:
            b.customers.get(secret)
        with pytest.raises(NotFound) as missing:
            b.customers.get(999_999)
    # C's answer names that it exists and who holds it: no phone, region, budget or level.
    assert SECRET_PHONE not in str(hidden.value) and "秘密区" not in str(hidden.value)
    assert "987654" not in str(hidden.value)
    assert str(missing.value) == "No customer 999999."


def test_sort_and_filter_names_come_from_an_allowlist(org: Org, tmp_path: Path) -> None:
    crm = Crm(org.deployment)
    with crm.as_user("sh_sales2") as b:
        with pytest.raises(CrmError, match="no custom field owner_id"):
            b.customers.list(CustomerQuery(where=["owner_id=1"]))  # a column, not a custom field
        with pytest.raises(CrmError):
            b.customers.list(CustomerQuery(where=["1=1; DROP TABLE crm_customer"]))
        with pytest.raises(ValidationError):
            b.files.export_file("customers", tmp_path / "x.csv", {"owner_id": "1"})
        with pytest.raises(ValidationError):
            b.reports.run("customers-by-segment", by="name_key")
    with crm.as_user("admin") as admin:  # the table is still there
        assert admin.context.session.scalar(select(Customer.id).limit(1)) is not None


def test_moving_a_team_moves_visibility_in_the_same_commit(org: Org) -> None:
    c = org.customer_of["sh_sales1"]
    with org.work("admin", write=True) as ctx:
        teams.move(ctx, "上海组", "华南区")
        # Inside the moving transaction, the new hierarchy already decides.
        assert reports_visible(ctx, "south_mgr", c)
    with org.work("south_mgr") as ctx:
        assert ctx.session.get(Customer, c) is not None
    with org.work("east_mgr") as ctx:
        assert ctx.session.get(Customer, c) is None
    with org.work("admin", write=True) as ctx:
        users.change(ctx, "sh_sales1", team_name="华东区")
    with org.work("east_mgr") as ctx:
        assert ctx.session.get(Customer, c) is not None
    with org.work("south_mgr") as ctx:
        assert ctx.session.get(Customer, c) is None


def reports_visible(ctx: object, login: str, customer_id: int) -> bool:
    """Whether `login` sees the customer, asked through the policy's own SQL in ctx's session."""
    from crm_core.kernel.visibility import user_sees_customer

    session = ctx.session  # type: ignore[attr-defined]
    user = session.scalars(select(User).where(User.login == login)).one()
    return user_sees_customer(session, user.id, user.role, customer_id)


def test_owner_ids_and_audit_columns_cannot_be_written_through_side_doors(
    org: Org, tmp_path: Path
) -> None:
    crm = Crm(org.deployment)
    mine = org.customer_of["sh_sales2"]
    for name in ("owner_id", "owner", "id", "created_by_id", "name_key"):
        with (
            pytest.raises(CrmError, match="no custom field"),
            crm.as_user("sh_sales2", write=True) as b,
        ):
            b.fields.set("customers", mine, {name: "1"})
    sheet = tmp_path / "side-door.csv"
    sheet.write_text(
        "客户名称,owner_id,id,created_by_id,name_key\n侧门公司,1,1,1,x\n", encoding="utf-8"
    )
    with crm.as_user("sh_sales2", write=True) as b:
        result = b.files.import_file("customers", sheet)
    assert result.inserted == 1 and set(result.unmapped) >= {"owner_id", "created_by_id"}
    with crm.as_user("admin") as admin:
        made = admin.customers.get("侧门公司")
        row = admin.context.session.get(Customer, made.id)
        b_id = admin.context.session.scalar(select(User.id).where(User.login == "sh_sales2"))
    assert made.owner == "sh_sales2" and row is not None and row.name_key != "x"
    assert row.created_by_id == b_id and row.id != 1
    with org.work("admin") as ctx:  # the report still runs and counts it under its real owner
        table = reports.run(ctx, "customers-by-segment", {"by": "owner"})
    assert any(r[0] == "sh_sales2" for r in table.rows)


def test_an_entity_is_hidden_by_default() -> None:
    """A plugin entity whose model is not scoped to a customer or an owner is refused, unless
    the plugin says that every user may read it."""
    from crm_core.foundation.errors import PluginError
    from crm_core.hooks.entities import Entity, check_entity
    from crm_core.kernel.models import Product, Team

    with pytest.raises(PluginError, match="neither OwnerScoped nor CustomerScoped"):
        check_entity(Entity("teams", Team, "Teams"))
    check_entity(Entity("products", Product, "Products", shared=True))
    check_entity(Entity("customers", Customer, "Customers"))
