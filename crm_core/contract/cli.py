"""Adding `crm` commands (`crm_register_commands`): the acting user's unit of work (`pass_app`,
`App.work`, `App.desk`) and output as a table, JSON or CSV."""

from crm_core.cli.app import App, pass_app
from crm_core.cli.output import emit, emit_object, emit_rows, format_option, page_options

__all__ = ["App", "emit", "emit_object", "emit_rows", "format_option", "page_options", "pass_app"]
