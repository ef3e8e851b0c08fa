"""crm-core: the minimal core of a pluggable CRM.

Plugins import `crm_core.contract` (docs/writing-a-plugin.md); scripts use `crm_core.api`.
"""

__version__ = "0.1.0"
