"""A deployment with block 1 enabled, a small sales organisation and two products."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from crm_core.kernel import lifecycle
from crm_core.kernel.deployment import Deployment
from crm_core.services import products, teams, users


@pytest.fixture(autouse=True)
def _crm_environment(crm_environment: None) -> None:
    """Every test in English, in a working folder of its own (crm_core.contract.testing)."""


@attrs.frozen
class Block1:
    deployment: Deployment

    def work(self, login: str = "admin", write: bool = False):
        return self.deployment.work(login, write=write)


@pytest.fixture
def block1(crm_deployment: Deployment) -> Block1:
    lifecycle.enable(crm_deployment, crm_deployment.resolve_actor("admin"), ["customer_resources"])
    with crm_deployment.work("admin", write=True) as ctx:
        teams.add(ctx, "销售部")
        teams.add(ctx, "一组", "销售部")
        teams.add(ctx, "二组", "销售部")
        users.add(ctx, "boss", "经理", "manager", "销售部")
        users.add(ctx, "lead1", "一组组长", "manager", "一组")
        users.add(ctx, "a", "业务员甲", "sales", "一组")
        users.add(ctx, "b", "业务员乙", "sales", "一组")
        users.add(ctx, "c", "业务员丙", "sales", "二组")
        products.add(ctx, "P1", "净水器", price=Decimal("1000.00"))
        products.add(ctx, "P2", "滤芯", price=Decimal("39.90"))
    return Block1(crm_deployment)
