"""Opening a deployment from a script, and acting in it as a user."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from crm_core.api.desk import Desk
from crm_core.deployment import Deployment, open_deployment
from crm_core.imports.pipeline import ImportOptions, ImportResult, run_import
from crm_core.plugins import PluginCatalog


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

    @contextmanager
    def as_user(self, login: str | None = None, *, write: bool = False) -> Iterator[Desk]:
        """One transaction as `login` (default: the deployment's default actor). With `write`
        it commits when the block ends; any exception rolls every write of the block back.
        Without `write` nothing is committed."""
        with self.deployment.work(login, write=write) as ctx:
            yield Desk(ctx)

    def import_file(
        self,
        login: str,
        entity: str,
        path: Path,
        options: ImportOptions,
        progress: Callable[[int, int | None], None] | None = None,
    ) -> ImportResult:
        """Import a file as `login`: in one transaction, or with `options.batch_size` committed
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
