"""The import/export API for plugins and scripts (implemented in `crm_core.imports`)."""

from crm_core.imports.exporting import export_file
from crm_core.imports.importer import (
    ON_DUPLICATE,
    Column,
    Existing,
    Importer,
    ImportRow,
    importer_for,
    registry,
)
from crm_core.imports.pipeline import (
    ImportOptions,
    ImportRejected,
    ImportResult,
    import_file,
    run_import,
)

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
