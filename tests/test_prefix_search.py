"""Prefix search on the normalised name and phone keys, and capped counts (SQLite, PostgreSQL).

A prefix is matched by an index range, so it must agree with what a person means by "starts
with" whatever the width, case or spacing they type; it never finds a customer the searcher may
not see; and a count stops at the cap instead of reading every visible row.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm_core.api import Crm, CustomerQuery, NewCustomer
from crm_core.foundation.prefix_match import successor
from crm_core.kernel.models import Customer
from crm_core.services import customers
from tests.conftest import Org

NAMES = {
    "杭州华远科技有限公司": "13812345678",
    "杭州华远物流有限公司": "+86 139 1234 0000",
    "杭州恒达贸易有限公司": "0571-87654321",
    "ＡＢＣ（杭州）电子有限公司": "13700000001",
    "苏州华远机械有限公司": None,
}


@pytest.fixture
def crm(org: Org) -> Crm:
    crm = Crm(org.deployment)
    with crm.as_user("sh_sales1", write=True) as seller:
        for name, phone in NAMES.items():
            seller.customers.create(NewCustomer(name, phone=phone))
    return crm


def names(crm: Crm, login: str, prefix: str) -> set[str]:
    with crm.as_user(login) as desk:
        return {c.name for c in desk.customers.list(CustomerQuery(prefix=prefix), limit=100)}


def test_prefix_matches_the_start_of_the_name_however_it_is_typed(crm: Crm) -> None:
    assert names(crm, "sh_sales1", "杭州华远") == {"杭州华远科技有限公司", "杭州华远物流有限公司"}
    assert names(crm, "sh_sales1", "杭州") == {
        "杭州华远科技有限公司",
        "杭州华远物流有限公司",
        "杭州恒达贸易有限公司",
    }
    assert names(crm, "sh_sales1", " 杭州 华远 ") == names(crm, "sh_sales1", "杭州华远")
    assert names(crm, "sh_sales1", "abc") == {"ＡＢＣ（杭州）电子有限公司"}  # full width, case
    assert names(crm, "sh_sales1", "ＡＢＣ(杭") == {"ＡＢＣ（杭州）电子有限公司"}
    assert names(crm, "sh_sales1", "华远") == set()  # the middle of a name is --search's job
    assert names(crm, "sh_sales1", "杭州华远科技有限公司") == {"杭州华远科技有限公司"}


def test_prefix_matches_the_start_of_the_phone_in_national_form(crm: Crm) -> None:
    assert names(crm, "sh_sales1", "138 1234") == {"杭州华远科技有限公司"}
    assert names(crm, "sh_sales1", "+86 139-1234") == {"杭州华远物流有限公司"}
    assert names(crm, "sh_sales1", "0571") == {"杭州恒达贸易有限公司"}
    assert names(crm, "sh_sales1", "13") == {
        "杭州华远科技有限公司",
        "杭州华远物流有限公司",
        "ＡＢＣ（杭州）电子有限公司",
    }
    assert names(crm, "sh_sales1", "-- ") == set()  # nothing to match on: nothing found


def test_prefix_search_never_finds_what_the_searcher_may_not_see(crm: Crm) -> None:
    assert names(crm, "sh_sales2", "杭州") == set()
    assert names(crm, "sh_sales2", "138") == set()
    assert names(crm, "sh_mgr", "杭州华远") == {"杭州华远科技有限公司", "杭州华远物流有限公司"}


def test_counts_are_exact_below_the_cap_and_marked_above_it(crm: Crm, org: Org) -> None:
    with crm.as_user("sh_sales1") as desk:
        count = desk.customers.count(CustomerQuery(prefix="杭州"))
        assert (count.value, count.exact, count.text()) == (3, True, "3")
    with org.work("sh_sales1") as ctx:
        capped = customers.count_visible(ctx, customers.CustomerFilter(), cap=3)
        everything = customers.count_visible(ctx, customers.CustomerFilter())
    assert (capped.value, capped.exact, capped.text()) == (3, False, "3+")
    assert everything.exact and everything.value == len(NAMES) + 2  # own customer and the pool
    with crm.as_user("sh_sales2") as desk:
        assert desk.customers.count(CustomerQuery(prefix="杭州")).value == 0


@pytest.mark.parametrize(
    "login", ["admin", "boss", "east_mgr", "sh_mgr", "sh_sales1", "south_sales"]
)
def test_a_capped_count_agrees_with_the_visible_rows_at_every_cap(
    crm: Crm, org: Org, login: str
) -> None:
    """However the count is asked (a salesperson's own customers and the pool apart), it is
    what the user may see, capped, and says whether there are more."""
    with org.work(login) as ctx:
        seen = len(ctx.session.scalars(select(Customer.id)).all())
        for cap in range(seen + 2):
            counted = customers.count_visible(ctx, customers.CustomerFilter(), cap=cap)
            assert (counted.value, counted.exact) == (min(seen, cap), seen <= cap), cap
        pooled = customers.count_visible(ctx, customers.CustomerFilter(pool=True))
        in_pool = ctx.session.scalars(select(Customer.id).where(Customer.owner_id.is_(None)))
        assert (pooled.value, pooled.exact) == (len(in_pool.all()), True)
    assert seen >= 2


def test_cli_prefix_and_count(crm: Crm, crm_cli) -> None:  # type: ignore[no-untyped-def]
    listed = crm_cli(
        "customers", "list", "--prefix", "杭州华远", "--format", "json", as_login="sh_mgr"
    )
    assert listed.exit_code == 0
    assert {c["name"] for c in listed.json()} == {"杭州华远科技有限公司", "杭州华远物流有限公司"}
    counted = crm_cli("customers", "list", "--prefix", "杭州", "--count", as_login="sh_sales1")
    assert (counted.exit_code, counted.output.strip()) == (0, "3")


def test_the_range_ends_at_the_smallest_string_above_the_prefix() -> None:
    assert successor("abc") == "abd"
    assert successor("杭州") == "杭" + chr(ord("州") + 1)
    assert successor("a\U0010ffff") == "b"  # the last code point carries into the one before
    assert successor("\U0010ffff") is None  # nothing is above: the range has no upper end
    assert successor("x\ud7ff") == "x\ue000"  # surrogates are not characters: skipped
