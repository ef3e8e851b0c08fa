"""The application factory uvicorn imports in each worker: the deployment comes from
CRM_SERVE_DATABASE_URL (set by `crm serve`), else CRM_DATABASE_URL."""

from __future__ import annotations

import os
from typing import Any


def application() -> Any:
    from crm_core.kernel.deployment import open_deployment
    from crm_core.server.app import ServerConfig, create_app

    url = os.environ.get("CRM_SERVE_DATABASE_URL") or os.environ.get("CRM_DATABASE_URL")
    config = ServerConfig(
        language=os.environ.get("CRM_LANG", "zh"),
        jobs=os.environ.get("CRM_SERVE_JOBS", "1") == "1",
    )
    return create_app(open_deployment(url), config)
