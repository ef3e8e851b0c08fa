"""A deployment with block 3 enabled: a warehouse with stock, two dealers, a credit controller."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from crm_channel_commerce.services import dealers, stock
from crm_core.kernel import lifecycle
from crm_core.kernel.deployment import Deployment
from crm_core.services import customers, products, teams, users


@pytest.fixture(autouse=True)
def _crm_environment(crm_environment: None) -> None:
    """Every test in English, in a working folder of its own (crm_core.contract.testing)."""


@attrs.frozen
class Block3:
    deployment: Deployment

    def work(self, login: str = "admin", write: bool = False):
        return self.deployment.work(login, write=write)


@pytest.fixture
def block3(crm_deployment: Deployment) -> Block3:
    lifecycle.enable(crm_deployment, crm_deployment.resolve_actor("admin"), ["channel_commerce"])
    with crm_deployment.work("admin", write=True) as ctx:
        teams.add(ctx, "渠道部")
        users.add(ctx, "cm", "渠道经理", "manager", "渠道部")
        users.add(ctx, "rep", "渠道专员", "sales", "渠道部")
        users.add(ctx, "other", "其他专员", "sales")
        users.add(ctx, "cfo", "财务总监", "manager", "渠道部")
        users.grant(ctx, "cfo", "credit-controller")
        products.add(ctx, "P1", "净水器", price=Decimal("1000.00"), product_line="净水")
        products.add(ctx, "P2", "滤芯", price=Decimal("50.00"), product_line="耗材")
        stock.add_warehouse(ctx, "W1", "一号仓", "华东")
        stock.receive(ctx, "W1", "P1", 40)
        stock.receive(ctx, "W1", "P2", 500)
    with crm_deployment.work("rep", write=True) as ctx:
        customers.create(ctx, {"name": "杭州代理商", "kind": "agent", "region": "华东"})
        customers.create(ctx, {"name": "宁波代理商", "kind": "agent", "region": "华东"})
    with crm_deployment.work("cm", write=True) as ctx:
        dealers.register(ctx, "杭州代理商", level="一级", credit_limit="20000")
        dealers.register(ctx, "宁波代理商", level="二级", credit_limit="5000")
    return Block3(crm_deployment)
