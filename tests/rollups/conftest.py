"""The world the rollup tests write to (tests/rollups/world.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from crm_core.kernel import lifecycle
from crm_core.kernel.deployment import Deployment
from tests.conftest import Org

pytest.importorskip("crm_customer_resources")

pytest.importorskip("crm_project_sales")


@pytest.fixture
def world(org: Org) -> Iterator[Deployment]:
    deployment = org.deployment
    admin = deployment.resolve_actor("admin")
    lifecycle.enable(deployment, admin, ["customer_resources", "project_sales"])
    yield deployment
