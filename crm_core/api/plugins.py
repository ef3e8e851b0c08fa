"""The plugins of a deployment through the API: what is installed, what is enabled here, and
enabling or disabling one (admins). Each change runs in a transaction of its own, with its
migrations; the deployment's runtime takes it once it committed."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from crm_core.kernel import lifecycle
from crm_core.kernel.deployment import Deployment
from crm_core.kernel.plugins import InstalledPlugin


@attrs.frozen
class PluginRecord:
    name: str
    title: str
    version: str
    installed: bool
    enabled: bool
    enabled_at: str | None
    requires: tuple[str, ...]
    distribution: str | None
    status: str


@attrs.frozen
class PluginInfo:
    """A plugin's record and what its declaration says."""

    name: str
    title: str
    version: str
    installed: bool
    enabled: bool
    enabled_at: str | None
    requires: tuple[str, ...]
    distribution: str | None
    status: str
    title_zh: str
    description: str
    tables: tuple[str, ...]
    migrations: str | None


def _status(found: InstalledPlugin | None, problem: str | None) -> str:
    if found is None:
        return "not installed"
    if not found.ok:
        return f"broken: {found.error}"
    return problem or "ok"


class Plugins:
    """`crm.plugins`: the business blocks of a deployment."""

    def __init__(self, deployment: Deployment) -> None:
        self._deployment = deployment

    def list(self) -> tuple[PluginRecord, ...]:
        """Every plugin installed or enabled here, by name, with why one cannot take part."""
        deployment = self._deployment
        catalog = deployment.catalog
        states = deployment.plugin_states()
        problems: dict[str, str] = {}
        if states:
            deployment.active_plugins  # noqa: B018  (loads the plugins, filling `problems`)
            problems = {p.name: p.reason for p in deployment.problems}
        found_records = []
        for name in sorted(set(catalog.installed) | set(states)):
            found = catalog.installed.get(name)
            state = states.get(name)
            enabled = bool(state and state.enabled)
            found_records.append(
                PluginRecord(
                    name=name,
                    title=found.spec.title if found and found.spec else "",
                    version=found.version if found else (state.version if state else "?"),
                    installed=found is not None,
                    enabled=enabled,
                    enabled_at=state.enabled_at.date().isoformat()
                    if state and state.enabled
                    else None,
                    requires=found.requires if found else (),
                    distribution=found.distribution if found else None,
                    status=_status(found, problems.get(name)),
                )
            )
        return tuple(found_records)

    def info(self, name: str) -> PluginInfo:
        """One installed plugin: its record, titles, description, tables and migrations."""
        found = self._deployment.catalog.get(name)
        record = next(r for r in self.list() if r.name == name)
        spec = found.spec
        return PluginInfo(
            **attrs.asdict(record, recurse=False),
            title_zh=spec.title_zh if spec else "",
            description=spec.description if spec else "",
            tables=tuple(t.name for t in spec.tables()) if spec else (),
            migrations=spec.migrations if spec else None,
        )

    def enable(
        self, names: Sequence[str], *, as_login: str | None = None, with_deps: bool = False
    ) -> tuple[str, ...]:
        """Run the plugins' migrations and enable them (requirements first with `with_deps`);
        the order they were enabled in."""
        actor = self._deployment.resolve_actor(as_login)
        return tuple(lifecycle.enable(self._deployment, actor, list(names), with_deps=with_deps))

    def disable(self, name: str, *, as_login: str | None = None) -> None:
        """Stop a plugin here; its data stays for re-enabling."""
        lifecycle.disable(self._deployment, self._deployment.resolve_actor(as_login), name)
