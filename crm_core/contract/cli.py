"""Adding `crm` commands (`crm_register_commands`): the acting user's unit of work (`pass_app`,
`App.desk`, `App.work`) and output as a table, JSON or CSV. A plugin's command calls its own
API part (`desk.<part>`, see `crm_register_api_parts`) and prints what it returns; records print
with `emit_records` and their JSON is `to_json`, the same the REST API returns."""

from crm_core.api.serializers import columns_of, to_json
from crm_core.cli.app import App, pass_app
from crm_core.cli.output import (
    emit,
    emit_object,
    emit_records,
    emit_rows,
    format_option,
    page_options,
)
from crm_core.cli.trash import deleted_message

__all__ = [
    "App",
    "columns_of",
    "deleted_message",
    "emit",
    "emit_object",
    "emit_records",
    "emit_rows",
    "format_option",
    "page_options",
    "pass_app",
    "to_json",
]
