"""Search by pinyin initials: what a salesperson types for 北京华远科技 is "bjhy"."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_core.api.crm import Crm
from crm_core.api.customers import CustomerChanges, CustomerQuery, NewCustomer
from crm_core.foundation.initials import MOST, initials
from crm_core.foundation.normalize import name_key
from crm_core.kernel.deployment import Deployment


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("北京华远科技有限公司", "bjhykj"),
        ("重庆长江科技", "cqcjkj"),  # 重 and 长 read in context
        ("Acme 科技", "akj"),
        ("１号仓储（上海）", "1hccsh"),
        ("北京華遠科技", "bjhykj"),  # traditional forms fold first
    ],
)
def test_initials_are_what_people_type(name: str, expected: str) -> None:
    assert initials(name_key(name)) == expected


@given(st.text(min_size=1, max_size=80))
def test_initials_are_short_lowercase_letters_and_digits_or_none(text: str) -> None:
    found = initials(text)
    assert found is None or (
        len(found) <= MOST and found.isascii() and found.isalnum() and found == found.lower()
    )


def test_a_prefix_of_initials_finds_the_customer_as_the_name_does(
    crm_deployment: Deployment,
) -> None:
    crm = Crm(crm_deployment)
    with crm.as_user("admin", write=True) as desk:
        made = desk.customers.create(NewCustomer("北京华远科技有限公司"))
        desk.customers.create(NewCustomer("北京东方贸易有限公司"))
    with crm.as_user("admin") as desk:
        for typed in ("bjhy", "BJHY", "bjh", "北京华"):
            found = desk.customers.list(CustomerQuery(prefix=typed)).items
            assert [c.name for c in found] == ["北京华远科技有限公司"], typed
        both = desk.customers.list(CustomerQuery(prefix="bj")).items
        assert len(both) == 2
    with crm.as_user("admin", write=True) as desk:
        desk.customers.update(made.id, CustomerChanges(name="上海华远科技有限公司"))
    with crm.as_user("admin") as desk:
        assert desk.customers.list(CustomerQuery(prefix="bjhy")).items == ()
        assert [c.name for c in desk.customers.list(CustomerQuery(prefix="shhy")).items] == [
            "上海华远科技有限公司"
        ]
