"""A plugin that fails to import, to prove one broken plugin does not stop the others."""

raise ImportError("this plugin is broken on purpose")
