"""Create an Alembic revision for the core or one plugin's branch, by comparing models to a
throwaway SQLite database migrated to the current heads.

    python -m crm_core.revision PLUGIN "what changed"

The first revision of a plugin's branch gets the branch label and `depends_on` the core's head;
later ones continue the branch. Review the generated file before committing it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from crm_core.kernel.db import make_engine
from crm_core.kernel.migrate import CORE_VERSIONS, alembic_config, branch_heads
from crm_core.kernel.plugins import CORE, PluginCatalog, dependency_order


def new_revision(branch: str, message: str, catalog: PluginCatalog | None = None) -> None:
    catalog = catalog or PluginCatalog()
    heads = branch_heads(catalog)
    if branch == CORE:
        version_path, requires = CORE_VERSIONS, []
    else:
        found = catalog.usable(branch)
        assert found.spec is not None
        path = found.spec.migrations_path()
        if path is None:
            raise SystemExit(
                f"plugin {branch} declares no migrations package (PluginSpec.migrations)"
            )
        version_path = path
        requires = dependency_order(found.requires, lambda n: catalog.usable(n).requires)
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{Path(scratch) / 'revision.db'}")
        with engine.begin() as conn:
            config = alembic_config(catalog, conn)
            # Autogenerate needs the scratch database at every head; only `branch`'s tables are compared.
            command.upgrade(config, "heads")
            config.attributes["crm_owner"] = branch
            if branch in heads:
                script = command.revision(
                    config,
                    message=message,
                    autogenerate=True,
                    head=f"{branch}@head",
                    version_path=str(version_path),
                )
            else:
                depends = [heads[name] for name in [CORE, *requires] if name in heads]
                script = command.revision(
                    config,
                    message=message,
                    autogenerate=True,
                    head="base",
                    branch_label=branch,
                    version_path=str(version_path),
                    depends_on=depends,  # type: ignore[arg-type]  # documented as a list
                )
        engine.dispose()
    for generated in script if isinstance(script, list) else [script]:
        if generated is not None:
            path = Path(generated.path)
            lines = path.read_text(encoding="utf-8").splitlines()
            path.write_text("\n".join(line.rstrip() for line in lines) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    new_revision(argv[0], argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
