"""Opening a deployment from a script, and acting in it as a user."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from types import TracebackType

from crm_core.api.desk import Desk
from crm_core.api.plugins import Plugins
from crm_core.features.imports.pipeline import ImportOptions, ImportResult, run_import
from crm_core.kernel import lifecycle
from crm_core.kernel.deployment import Deployment, open_deployment
from crm_core.kernel.plugins import PluginCatalog


class Crm:
    """An open deployment. Use it as a context manager (or call `close()`):

    with Crm.open("sqlite:///crm.db") as crm:
        with crm.as_user("li", write=True) as li:
            li.customers.create(NewCustomer("杭州甲公司"))
    """

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment

    @classmethod
    def open(cls, url: str | None = None, catalog: PluginCatalog | None = None) -> Crm:
        """An existing deployment (`crm init` made it); `url` defaults to $CRM_DATABASE_URL,
        then ./crm.db. CrmError when there is none."""
        return cls(open_deployment(url, catalog))

    @classmethod
    def create(
        cls,
        url: str | None = None,
        *,
        admin: str = "admin",
        admin_name: str = "Admin",
        catalog: PluginCatalog | None = None,
    ) -> Crm:
        """A new deployment in an empty database: the core's tables and a first admin, who is
        the default acting user. CrmError when one exists there already."""
        crm = cls(Deployment(url, catalog))
        crm.initialise(admin=admin, admin_name=admin_name)
        return crm

    def initialise(self, *, admin: str = "admin", admin_name: str = "Admin") -> None:
        """Make this (empty) database a deployment: the core's tables and a first admin."""
        lifecycle.initialise(self.deployment, admin, admin_name)

    def upgrade(self) -> list[str]:
        """Migrate the core and every enabled plugin to their newest schema; the branches."""
        return lifecycle.upgrade(self.deployment)

    @cached_property
    def plugins(self) -> Plugins:
        return Plugins(self.deployment)

    @contextmanager
    def as_user(
        self, login: str | None = None, *, write: bool = False, language: str | None = None
    ) -> Iterator[Desk]:
        """One transaction as `login` (default: the deployment's default actor). With `write`
        it commits when the block ends; any exception rolls every write of the block back.
        Without `write` nothing is committed. Messages are in `language` ("zh", "en"; default
        the environment's)."""
        with self.deployment.work(login, write=write, language=language) as ctx:
            yield Desk(ctx)

    def import_file(
        self,
        login: str | None,
        entity: str,
        path: Path,
        options: ImportOptions,
        progress: Callable[[int, int | None], None] | None = None,
    ) -> ImportResult:
        """Import a file as `login` (None: the default actor): in one transaction, or with `options.batch_size` committed
        every N rows, each batch in its own transaction (running it again after a failure
        resumes after the last committed batch)."""
        return run_import(
            lambda: self.deployment.work(login, write=True), entity, Path(path), options, progress
        )

    def close(self) -> None:
        self.deployment.dispose()

    def __enter__(self) -> Crm:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
