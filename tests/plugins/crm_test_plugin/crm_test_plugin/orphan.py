"""A plugin whose requirement is not installed anywhere."""

from crm_core.hooks.plugin_spec import PluginSpec

plugin = PluginSpec(
    name="orphan_plugin", title="Orphan", version="0.1", requires=("not_installed_plugin",)
)
