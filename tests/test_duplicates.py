"""Likely duplicates: a typo in a name is found; different branch numbers or cities are not;
a salesperson finds only pairs among customers they may see (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from crm_core.api import Crm, NewCustomer, ValidationError
from crm_core.contract.testing import CliResult
from crm_core.services.duplicates import core_of
from tests.conftest import Org


@pytest.fixture
def crm(org: Org) -> Crm:
    crm = Crm(org.deployment)
    with crm.as_user("sh_sales1", write=True) as seller:
        for name in (
            "杭州华远科技有限公司",
            "杭州华源科技有限公司",  # one character off: a typo or a near-synonym
            "杭州华远科技3号店",
            "杭州华远科技5号店",  # another shop of the chain, not a duplicate of the 3rd
            "北京华远科技有限公司",  # another city
            "宁波明辰机械制造有限公司",
        ):
            seller.customers.create(NewCustomer(name))
    with crm.as_user("sh_sales2", write=True) as other:
        other.customers.create(NewCustomer("宁波明晨机械制造有限公司"))  # hidden from sh_sales1
    return crm


def pairs(crm: Crm, login: str, threshold: float = 80) -> set[tuple[str, str]]:
    with crm.as_user(login) as desk:
        return {
            tuple(sorted((p.first_name, p.second_name)))  # type: ignore[misc]
            for p in desk.customers.duplicates(threshold)
        }


def test_a_typo_is_found_and_numbers_or_cities_keep_names_apart(crm: Crm) -> None:
    assert pairs(crm, "sh_sales1") == {("杭州华源科技有限公司", "杭州华远科技有限公司")}


def test_only_visible_customers_are_compared(crm: Crm) -> None:
    assert pairs(crm, "sh_sales2") == set()
    assert ("宁波明晨机械制造有限公司", "宁波明辰机械制造有限公司") in pairs(crm, "sh_mgr")
    with crm.as_user("sh_mgr") as manager, pytest.raises(ValidationError):
        manager.customers.duplicates(threshold=20)


def test_the_core_of_a_name_drops_its_place() -> None:
    assert core_of("杭州华远科技") == "华远科技"
    assert core_of("内蒙古伊利") == "伊利"
    assert core_of("上海市华远") == "华远"
    assert core_of("华远科技") == "华远科技"


def test_cli_lists_pairs_with_their_owners(crm: Crm, crm_cli: Callable[..., CliResult]) -> None:
    found = crm_cli("customers", "duplicates", "--format", "json", as_login="sh_mgr")
    assert found.exit_code == 0
    rows = found.json()
    found_pairs = {
        (r["first_name"], r["first_owner"], r["second_name"], r["second_owner"]) for r in rows
    }
    assert found_pairs == {
        ("杭州华远科技有限公司", "sh_sales1", "杭州华源科技有限公司", "sh_sales1"),
        ("宁波明辰机械制造有限公司", "sh_sales1", "宁波明晨机械制造有限公司", "sh_sales2"),
    }
    assert all(r["score"] >= 80 for r in rows)
    refused = crm_cli("customers", "duplicates", "--threshold", "20", as_login="sh_mgr")
    assert refused.exit_code == 2
