"""A plugin that requires test_plugin (dependency checks, --with-deps, refused disable)."""

from crm_core.hooks.plugin_spec import PluginSpec

plugin = PluginSpec(name="needy_plugin", title="Needy", version="0.1", requires=("test_plugin",))
