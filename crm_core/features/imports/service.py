"""The import/export API for plugins and scripts (implemented in `crm_core.features.imports`)."""

from crm_core.features.imports.exporting import export_file
from crm_core.features.imports.importer import importer_for, registry
from crm_core.features.imports.pipeline import (
    ImportOptions,
    ImportRejected,
    ImportResult,
    import_file,
    run_import,
)
from crm_core.hooks.importers import ON_DUPLICATE, Column, Existing, Importer, ImportRow

__all__ = [
    "ON_DUPLICATE",
    "Column",
    "Existing",
    "ImportOptions",
    "ImportRejected",
    "ImportResult",
    "ImportRow",
    "Importer",
    "export_file",
    "import_file",
    "importer_for",
    "registry",
    "run_import",
]
