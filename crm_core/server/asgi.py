"""The application factory uvicorn imports in each worker: the deployment comes from
CRM_SERVE_DATABASE_URL (set by `crm serve`), else CRM_DATABASE_URL."""

from __future__ import annotations

import os
from typing import Any


def application() -> Any:
    from crm_core.kernel.deployment import open_deployment
    from crm_core.server.app import create_app

    url = os.environ.get("CRM_SERVE_DATABASE_URL") or os.environ.get("CRM_DATABASE_URL")
    return create_app(open_deployment(url))
