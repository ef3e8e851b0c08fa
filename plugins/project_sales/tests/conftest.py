"""A deployment with block 2 enabled (block 1 not), a small team, a customer with contacts."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from crm_core.hooks.actor import SYSTEM
from crm_core.kernel import lifecycle
from crm_core.kernel.deployment import Deployment
from crm_core.services import contacts, customers, products, teams, users


@pytest.fixture(autouse=True)
def _crm_environment(crm_environment: None) -> None:
    """Every test in English, in a working folder of its own (crm_core.contract.testing)."""


@attrs.frozen
class Block2:
    deployment: Deployment
    customer: str

    def work(self, login: str = "admin", write: bool = False):
        return self.deployment.work(login, write=write)


@pytest.fixture
def block2(crm_deployment: Deployment, tmp_path) -> Block2:
    lifecycle.enable(crm_deployment, crm_deployment.resolve_actor("admin"), ["project_sales"])
    with crm_deployment.work("admin", write=True) as ctx:
        ctx.settings.set("project_sales.file_store", str(tmp_path / "files"))
        teams.add(ctx, "大客户部")
        users.add(ctx, "km", "大客户经理", "manager", "大客户部")
        users.add(ctx, "ka", "客户经理甲", "sales", "大客户部")
        users.add(ctx, "kb", "客户经理乙", "sales", "大客户部")
        products.add(ctx, "EQ-1", "工业净水设备", price=Decimal("100000.00"))
        products.add(ctx, "SV-1", "安装调试服务", price=Decimal("5000.00"))
    with crm_deployment.work("ka", write=True) as ctx:
        cid = str(customers.create(ctx, {"name": "华东重工集团"}).id)
        contacts.add(ctx, cid, "王总", title="总经理")
        contacts.add(ctx, cid, "李工", title="技术总监")
        contacts.add(ctx, cid, "张主管", title="设备主管")
    with crm_deployment.work(SYSTEM, write=True) as ctx:
        customers.create(ctx, {"name": "对手甲科技有限公司", "kind": "competitor"}, pool=True)
        customers.create(ctx, {"name": "对手乙环境有限公司", "kind": "competitor"}, pool=True)
    return Block2(crm_deployment, cid)
