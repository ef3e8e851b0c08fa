"""crm-core: the minimal core of a pluggable CRM.

Plugin authors need: `hookimpl` (mark hook implementations), `PluginSpec` (declare the plugin),
`plugin_table` (tag a model's table as the plugin's own), and `Base` (the declarative base).
"""

from crm_core.db import Base
from crm_core.hookspecs import hookimpl
from crm_core.plugins import PluginSpec, plugin_table

__version__ = "0.1.0"

__all__ = ["Base", "PluginSpec", "__version__", "hookimpl", "plugin_table"]
