"""Plugin discovery through real entry points, per-deployment enabling, and hook dispatch."""

from __future__ import annotations

import types

import pytest
from sqlalchemy import func, inspect, select

from crm_core.foundation.errors import PluginError, PluginHookError, ValidationError
from crm_core.hooks.actor import SYSTEM
from crm_core.hooks.markers import hookimpl
from crm_core.hooks.plugin_spec import PluginSpec
from crm_core.kernel import lifecycle as rollout
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.plugins import PluginCatalog, dependency_order, make_plugin_manager
from crm_core.services import customers
from crm_test_plugin import plugin as test_plugin
from crm_test_plugin.models import Note


def admin(deployment: Deployment):
    return deployment.resolve_actor("admin")


def test_entry_points_are_discovered_and_failures_reported(crm_catalog: PluginCatalog) -> None:
    installed = crm_catalog.installed
    assert installed["test_plugin"].ok
    assert installed["test_plugin"].distribution == "crm-test-plugin"
    assert installed["test_plugin"].spec is not None
    assert installed["test_plugin"].spec.tables()[0].name == "tp_note"
    broken = installed["broken_plugin"]
    assert not broken.ok
    assert "broken on purpose" in (broken.error or "")
    with pytest.raises(PluginError, match="broken_plugin.*cannot be loaded"):
        crm_catalog.usable("broken_plugin")
    with pytest.raises(PluginError, match="not installed"):
        crm_catalog.get("no_such_plugin")


def test_installed_is_not_enabled(crm_deployment: Deployment) -> None:
    assert crm_deployment.enabled_names() == []
    assert [p.name for p in crm_deployment.active_plugins] == []
    names = {name for name, _ in crm_deployment.runtime.pm.list_name_plugin()}
    assert names == {"crm_core", *crm_deployment.catalog.features}
    assert {"customers", "rollups", "rules"} <= set(crm_deployment.catalog.features)


def test_enable_runs_migrations_records_date_and_fires_hook(crm_deployment: Deployment) -> None:
    assert not inspect(crm_deployment.engine).has_table("tp_note")
    order = rollout.enable(crm_deployment, admin(crm_deployment), ["test_plugin"])
    assert order == ["test_plugin"]
    assert inspect(crm_deployment.engine).has_table("tp_note")
    state = crm_deployment.plugin_states()["test_plugin"]
    assert state.enabled and state.version == "1.0" and state.enabled_at is not None
    assert ("crm_plugin_enabled", "test_plugin") in test_plugin.CALLS


def test_requirements_are_checked(crm_deployment: Deployment) -> None:
    actor = admin(crm_deployment)
    with pytest.raises(PluginError, match="requires 'test_plugin'.*--with-deps"):
        rollout.enable(crm_deployment, actor, ["needy_plugin"])
    assert crm_deployment.enabled_names() == []
    with pytest.raises(PluginError, match="not_installed_plugin"):
        rollout.enable(crm_deployment, actor, ["orphan_plugin"], with_deps=True)
    assert rollout.enable(crm_deployment, actor, ["needy_plugin"], with_deps=True) == [
        "test_plugin",
        "needy_plugin",
    ]
    with pytest.raises(PluginError, match="required by enabled plugin"):
        rollout.disable(crm_deployment, actor, "test_plugin")
    rollout.disable(crm_deployment, actor, "needy_plugin")
    rollout.disable(crm_deployment, actor, "test_plugin")
    assert crm_deployment.enabled_names() == []


def test_disable_keeps_data_and_reenable_brings_it_back(crm_deployment: Deployment) -> None:
    actor = admin(crm_deployment)
    rollout.enable(crm_deployment, actor, ["test_plugin"])
    with crm_deployment.work("admin", write=True) as ctx:
        customers.create(ctx, {"name": "保留数据公司"})
    with crm_deployment.work(SYSTEM) as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Note)) == 1  # the welcome note
    rollout.disable(crm_deployment, actor, "test_plugin")
    assert inspect(crm_deployment.engine).has_table("tp_note")
    # Disabled: its hooks no longer run.
    test_plugin.CALLS.clear()
    with crm_deployment.work("admin", write=True) as ctx:
        customers.create(ctx, {"name": "停用期间公司"})
    assert test_plugin.CALLS == []
    rollout.enable(crm_deployment, actor, ["test_plugin"])
    with crm_deployment.work(SYSTEM) as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Note)) == 1
    state = crm_deployment.plugin_states()["test_plugin"]
    assert state.first_enabled_at <= state.enabled_at


def test_only_admins_enable_and_disable(crm_deployment: Deployment) -> None:
    with crm_deployment.work("admin", write=True) as ctx:
        from crm_core.services import users

        users.add(ctx, "seller", "Seller")
    seller = crm_deployment.resolve_actor("seller")
    with pytest.raises(Exception, match="only an admin"):
        rollout.enable(crm_deployment, seller, ["test_plugin"])


def test_failed_hook_rolls_the_whole_enable_back(crm_deployment: Deployment) -> None:
    catalog = PluginCatalog(entry_point_list=[])
    module = types.ModuleType("crm_failing_plugin")

    @hookimpl
    def crm_plugin_enabled(name: str) -> None:
        raise RuntimeError("seeding failed")

    module.crm_plugin_enabled = crm_plugin_enabled  # type: ignore[attr-defined]
    module.plugin = PluginSpec(name="failing", title="Failing", version="1")  # type: ignore[attr-defined]
    catalog.add_module("failing", module)
    deployment = Deployment(crm_deployment.url, catalog)
    try:
        with pytest.raises(PluginHookError, match="plugin 'failing' failed in crm_plugin_enabled"):
            rollout.enable(deployment, deployment.resolve_actor("admin"), ["failing"])
        assert deployment.enabled_names() == []
    finally:
        deployment.dispose()


def test_validation_hook_refuses_and_names_the_plugin(crm_deployment: Deployment) -> None:
    rollout.enable(crm_deployment, admin(crm_deployment), ["test_plugin"])
    with pytest.raises(ValidationError) as caught, crm_deployment.work("admin", write=True) as ctx:
        customers.create(ctx, {"name": "forbidden 公司"})
    assert str(caught.value).startswith("[test_plugin]")
    with crm_deployment.work(SYSTEM) as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(customers.Customer)) == 0


def test_raising_event_hook_rolls_back_and_names_plugin(crm_deployment: Deployment) -> None:
    rollout.enable(crm_deployment, admin(crm_deployment), ["test_plugin"])
    with crm_deployment.work("admin", write=True) as ctx:
        cid = customers.create(ctx, {"name": "升级公司"}).id
    with (
        pytest.raises(PluginHookError, match="test_plugin.*crm_customer_level_changed.*boom"),
        crm_deployment.work("admin", write=True) as ctx,
    ):
        customers.set_level(ctx, str(cid), "explode")
    with crm_deployment.work("admin") as ctx:
        assert customers.get(ctx, str(cid)).level == "lead"


def test_unknown_hook_fails_loudly() -> None:
    module = types.ModuleType("crm_typo_plugin")

    @hookimpl
    def crm_customer_creatd(ctx: object) -> None:  # misspelled on purpose
        """never called"""

    module.crm_customer_creatd = crm_customer_creatd  # type: ignore[attr-defined]
    module.plugin = PluginSpec(name="typo", title="Typo", version="1")  # type: ignore[attr-defined]
    catalog = PluginCatalog(entry_point_list=[])
    found = catalog.add_module("typo", module)
    with pytest.raises(PluginError, match="unknown hook"):
        make_plugin_manager([], [found])


def test_dependency_order_and_cycles() -> None:
    graph = {"a": ["b"], "b": ["c"], "c": []}
    assert dependency_order(graph, lambda n: graph[n]) == ["c", "b", "a"]
    cyclic = {"a": ["b"], "b": ["a"]}
    with pytest.raises(PluginError, match="cycle"):
        dependency_order(cyclic, lambda n: cyclic[n])


def test_enabled_but_uninstalled_plugin_does_not_stop_the_rest(crm_deployment: Deployment) -> None:
    rollout.enable(crm_deployment, admin(crm_deployment), ["test_plugin"])
    bare = Deployment(crm_deployment.url, PluginCatalog(entry_point_list=[]))
    try:
        assert bare.active_plugins == []
        assert [p.name for p in bare.problems] == ["test_plugin"]
        assert "not installed" in bare.problems[0].reason
        with bare.work("admin", write=True) as ctx:  # the core still works
            customers.create(ctx, {"name": "照常工作公司"})
    finally:
        bare.dispose()
