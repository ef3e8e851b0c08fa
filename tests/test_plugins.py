"""Plugin discovery through real entry points, per-deployment enabling, and hook dispatch."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from crm_core.foundation.errors import PluginError, PluginHookError, ValidationError
from crm_core.hooks.actor import SYSTEM
from crm_core.hooks.markers import hookimpl
from crm_core.hooks.plugin_spec import PluginSpec
from crm_core.kernel import lifecycle
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
    order = lifecycle.enable(crm_deployment, admin(crm_deployment), ["test_plugin"])
    assert order == ["test_plugin"]
    assert inspect(crm_deployment.engine).has_table("tp_note")
    state = crm_deployment.plugin_states()["test_plugin"]
    assert state.enabled and state.version == "1.0" and state.enabled_at is not None
    assert ("crm_plugin_enabled", "test_plugin") in test_plugin.CALLS


def test_requirements_are_checked(crm_deployment: Deployment) -> None:
    actor = admin(crm_deployment)
    with pytest.raises(PluginError, match="requires 'test_plugin'.*--with-deps"):
        lifecycle.enable(crm_deployment, actor, ["needy_plugin"])
    assert crm_deployment.enabled_names() == []
    with pytest.raises(PluginError, match="not_installed_plugin"):
        lifecycle.enable(crm_deployment, actor, ["orphan_plugin"], with_deps=True)
    assert lifecycle.enable(crm_deployment, actor, ["needy_plugin"], with_deps=True) == [
        "test_plugin",
        "needy_plugin",
    ]
    with pytest.raises(PluginError, match="required by enabled plugin"):
        lifecycle.disable(crm_deployment, actor, "test_plugin")
    lifecycle.disable(crm_deployment, actor, "needy_plugin")
    lifecycle.disable(crm_deployment, actor, "test_plugin")
    assert crm_deployment.enabled_names() == []


def test_disable_keeps_data_and_reenable_brings_it_back(crm_deployment: Deployment) -> None:
    actor = admin(crm_deployment)
    lifecycle.enable(crm_deployment, actor, ["test_plugin"])
    with crm_deployment.work("admin", write=True) as ctx:
        customers.create(ctx, {"name": "保留数据公司"})
    with crm_deployment.work(SYSTEM) as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(Note)) == 1  # the welcome note
    lifecycle.disable(crm_deployment, actor, "test_plugin")
    assert inspect(crm_deployment.engine).has_table("tp_note")
    # Disabled: its hooks no longer run.
    test_plugin.CALLS.clear()
    with crm_deployment.work("admin", write=True) as ctx:
        customers.create(ctx, {"name": "停用期间公司"})
    assert test_plugin.CALLS == []
    lifecycle.enable(crm_deployment, actor, ["test_plugin"])
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
        lifecycle.enable(crm_deployment, seller, ["test_plugin"])


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
            lifecycle.enable(deployment, deployment.resolve_actor("admin"), ["failing"])
        assert deployment.enabled_names() == []
    finally:
        deployment.dispose()


def test_validation_hook_refuses_and_names_the_plugin(crm_deployment: Deployment) -> None:
    lifecycle.enable(crm_deployment, admin(crm_deployment), ["test_plugin"])
    with pytest.raises(ValidationError) as caught, crm_deployment.work("admin", write=True) as ctx:
        customers.create(ctx, {"name": "forbidden 公司"})
    assert str(caught.value).startswith("[test_plugin]")
    with crm_deployment.work(SYSTEM) as ctx:
        assert ctx.session.scalar(select(func.count()).select_from(customers.Customer)) == 0


def test_raising_event_hook_rolls_back_and_names_plugin(crm_deployment: Deployment) -> None:
    lifecycle.enable(crm_deployment, admin(crm_deployment), ["test_plugin"])
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
    lifecycle.enable(crm_deployment, admin(crm_deployment), ["test_plugin"])
    bare = Deployment(crm_deployment.url, PluginCatalog(entry_point_list=[]))
    try:
        assert bare.active_plugins == []
        assert [p.name for p in bare.problems] == ["test_plugin"]
        assert "not installed" in bare.problems[0].reason
        with bare.work("admin", write=True) as ctx:  # the core still works
            customers.create(ctx, {"name": "照常工作公司"})
    finally:
        bare.dispose()


def test_a_table_without_a_visibility_scope_fails_unless_it_says_why() -> None:
    plugin = pytest.importorskip("crm_channel_commerce.plugin").plugin
    from crm_core.contract.testing import assert_tables_scoped, unscoped_tables

    assert "cc_warehouse" in unscoped_tables(plugin) and "cc_order" not in unscoped_tables(plugin)
    with pytest.raises(pytest.fail.Exception, match="no visibility scope on .*cc_warehouse"):
        assert_tables_scoped(plugin)
    reasons = {name: "configuration" for name in unscoped_tables(plugin)}
    assert_tables_scoped(plugin, shared=reasons)
    with pytest.raises(pytest.fail.Exception, match="no visibility scope on cc_stock"):
        assert_tables_scoped(plugin, shared={**reasons, "cc_stock": " "})
    with pytest.raises(pytest.fail.Exception, match="names cc_order, which is scoped"):
        assert_tables_scoped(plugin, shared={**reasons, "cc_order": "wrongly listed"})


def test_the_pytest_plugin_leaves_a_project_that_does_not_use_it_alone(tmp_path: Path) -> None:
    """crm-core's pytest plugin loads in every project of an environment where it is installed;
    none of its fixtures may act on tests that do not ask for them."""
    (tmp_path / "test_other.py").write_text(
        "import os\n"
        "def test_untouched():\n"
        f"    assert os.getcwd() == {str(tmp_path)!r}\n"
        "    assert os.environ.get('CRM_LANG') == 'zh'\n",
        encoding="utf-8",
    )
    env = {**os.environ, "CRM_LANG": "zh"}
    ran = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert (
        "crm_core"
        in subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "--co",
                "-q",
                "-p",
                "no:cacheprovider",
                "--trace-config",
                str(tmp_path),
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout
    )  # the plugin was loaded, and still left the test alone
