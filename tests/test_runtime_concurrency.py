"""One Deployment shared by many threads while a plugin is enabled and disabled: every request
runs on one whole snapshot of the plugins (never a half-enabled one) and answers in its own
user's language. Bounded in threads, rounds and seconds (`crm_stress`)."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from sqlalchemy import select

from crm_core.features.reports import engine as reports
from crm_core.foundation import i18n
from crm_core.hooks.reports import REPORTS
from crm_core.hooks.settings import SETTINGS
from crm_core.kernel import lifecycle
from crm_core.kernel.models import PluginState
from crm_core.services import customers, interactions, sections
from tests.conftest import Org

THREADS = 16
ROUNDS = 15
TOGGLES = 6
TIME_BOUND_S = 240
PLUGIN = "test_plugin"
LOGINS = ["sh_sales1", "sh_sales2", "east_sales", "south_sales", "sh_mgr", "east_mgr", "boss"]
NOT_FOUND = {"en": "No customer 0.", "zh": "没有客户 0（或您无权查看）。"}
#: A message only the plugin's own catalogue translates.
PLUGIN_MESSAGE = {"en": "Note added.", "zh": "已添加备注。"}


@pytest.mark.crm_stress
def test_requests_share_a_deployment_while_a_plugin_is_enabled_and_disabled(org: Org) -> None:
    deployment = org.deployment
    admin = deployment.resolve_actor("admin")
    lifecycle.enable(deployment, admin, [PLUGIN])  # its migrations run once, before the race
    lifecycle.disable(deployment, admin, PLUGIN)
    failures: list[str] = []
    seen: Counter[tuple[bool, str]] = Counter()
    started = time.monotonic()
    barrier = threading.Barrier(THREADS + 1)

    def request(number: int) -> None:
        login = LOGINS[number % len(LOGINS)]
        language = "zh" if number % 2 else "en"
        customer = org.customer_of.get(login)
        barrier.wait(timeout=60)
        for round_ in range(ROUNDS):
            write = round_ % 3 == 0
            try:
                with deployment.work(login, write=write, language=language) as ctx:
                    state = ctx.session.scalar(
                        select(PluginState.enabled).where(PluginState.name == PLUGIN)
                    )
                    on = ctx.is_enabled(PLUGIN)
                    names = {name for name, _ in ctx.runtime.pm.list_name_plugin()}
                    whole = {
                        "hooks": PLUGIN in names,
                        "reports": "notes-per-customer" in ctx.registry(REPORTS),
                        "settings": f"{PLUGIN}.forbidden_word" in ctx.registry(SETTINGS),
                        # only the plugin's catalogue has it; in English it stays English
                        "translations": ctx.translate(PLUGIN_MESSAGE["en"]) == PLUGIN_MESSAGE["zh"]
                        if language == "zh"
                        else on,
                    }
                    if any(value != on for value in whole.values()):
                        failures.append(f"{login}: half-enabled snapshot {whole} (enabled {on})")
                    if deployment.engine.dialect.name == "sqlite" and bool(state) != on:
                        failures.append(f"{login}: snapshot {on}, transaction sees {state}")
                    answer = ctx.translate("No customer {ref}.", ref=0)
                    if answer != NOT_FOUND[language]:
                        failures.append(f"{login} ({language}) was answered {answer!r}")
                    if i18n._("No customer {ref}.", ref=0) != NOT_FOUND[language]:
                        failures.append(f"{login} ({language}): the ambient language differs")
                    if write:
                        made = customers.create(ctx, {"name": f"并发公司 {number}-{round_}"})
                        interactions.log(ctx, str(made.id), "call", notes=f"第 {round_} 次")
                    else:
                        reports.run(ctx, "customers-by-segment", {"by": "level"})
                        if customer is not None:
                            found = sections.sections(ctx, customers.get(ctx, customer))
                            if any(s.source == PLUGIN for s in found) != on:
                                failures.append(f"{login}: the 360 view disagrees with {on}")
                    seen[(on, language)] += 1
            except Exception as exc:  # every failure is reported below
                failures.append(f"{login} round {round_}: {type(exc).__name__}: {exc}")

    def toggle() -> None:
        barrier.wait(timeout=60)
        for _ in range(TOGGLES):
            try:
                lifecycle.enable(deployment, admin, [PLUGIN])
                time.sleep(0.05)
                lifecycle.disable(deployment, admin, PLUGIN)
                time.sleep(0.05)
            except Exception as exc:
                failures.append(f"toggle: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=request, args=(n,)) for n in range(THREADS)]
    threads.append(threading.Thread(target=toggle))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIME_BOUND_S)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish in time"
    assert failures == []
    assert sum(seen.values()) == THREADS * ROUNDS
    assert {language for _, language in seen} == {"en", "zh"}
    assert time.monotonic() - started < TIME_BOUND_S
