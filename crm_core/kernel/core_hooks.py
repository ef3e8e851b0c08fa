"""The kernel's own answers to hooks, registered first in every plugin manager as "crm_core":
the settings and the permission every deployment has."""

from __future__ import annotations

from collections.abc import Callable

from crm_core.hooks.markers import hookimpl
from crm_core.hooks.settings import SettingSpec, parse_text, parse_timezone


@hookimpl
def crm_register_settings(register: Callable[[SettingSpec], None]) -> None:
    register(
        SettingSpec(
            "timezone", "Asia/Shanghai", "time zone for dates shown and reports", parse_timezone
        )
    )
    register(
        SettingSpec("currency", "CNY", "the deployment's one currency (ISO code)", _parse_currency)
    )
    register(SettingSpec("default_actor", "admin", "login used when --as is not given", parse_text))


def _parse_currency(text: str) -> str:
    code = text.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValueError("a three-letter ISO code such as CNY")
    return code


@hookimpl
def crm_register_permissions(register: Callable[[str, str], None]) -> None:
    register("audit-reader", "may read the audit log of records they can see")
