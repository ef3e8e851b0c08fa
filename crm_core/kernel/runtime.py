"""What a deployment's enabled plugins add up to: one immutable snapshot.

A `Runtime` holds the plugin manager of one set of enabled plugins (the core's features always
among them), its hook relay, its translation catalogue and, gathered on first use, every
registry (reports, importers, settings ...). It never changes once built, so any number of
threads can share it: enabling or disabling a plugin builds a new one, which the deployment
swaps in after the change commits; a unit of work keeps the snapshot it started with to its end.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

import attrs
import pluggy

from crm_core.foundation import i18n
from crm_core.foundation.errors import CrmError, PluginError, PluginHookError
from crm_core.hooks.registry import Collection
from crm_core.kernel.plugins import (
    HookRelay,
    InstalledPlugin,
    PluginCatalog,
    dependency_order,
    make_plugin_manager,
)

T = TypeVar("T")

#: `Session.info` key: the runtime snapshot of the unit of work the session belongs to.
RUNTIME_KEY = "crm_runtime"


@attrs.frozen
class PluginProblem:
    """An enabled plugin that cannot take part (missing, broken, or its requirement is)."""

    name: str
    reason: str


class Runtime:
    """The plugin manager, hooks, translations and registries of one set of enabled plugins."""

    def __init__(
        self,
        features: tuple[InstalledPlugin, ...],
        plugins: tuple[InstalledPlugin, ...],
        problems: tuple[PluginProblem, ...],
        fingerprint: tuple[Any, ...] = (),
    ) -> None:
        self.features = features
        #: Enabled plugins that loaded, in dependency order.
        self.plugins = plugins
        self.problems = problems
        #: The plugin states this snapshot was built from (`Deployment` compares it).
        self.fingerprint = fingerprint
        self.pm: pluggy.PluginManager = make_plugin_manager(features, plugins)
        self.hook = HookRelay(self.pm, core=(f.name for f in features))
        self.catalogue = self._catalogue()
        self._names = frozenset(p.name for p in plugins)
        self._registries: dict[Collection[Any], Mapping[str, Any]] = {}
        self._lock = threading.Lock()

    def is_enabled(self, name: str) -> bool:
        """Whether plugin `name` takes part (enabled here and loaded)."""
        return name in self._names

    def translator(self, language: str) -> i18n.Translator:
        return i18n.Translator(language, self.catalogue)

    def registry(self, collection: Collection[T]) -> Mapping[str, T]:
        """Everything registered of `collection` by the core and the enabled plugins, by key;
        gathered once, then shared (read-only)."""
        found = self._registries.get(collection)
        if found is None:
            with self._lock:
                found = self._registries.get(collection)
                if found is None:
                    found = MappingProxyType(self._gather(collection))
                    self._registries[collection] = found
        return found

    def _gather(self, collection: Collection[T]) -> dict[str, T]:
        return gather(collection, self.hook.registrations(collection.hook), self.hook.core)

    def _catalogue(self) -> i18n.Catalogue:
        more: dict[str, dict[str, str]] = {}

        def register(language: str, entries: Mapping[str, str]) -> None:
            more.setdefault(language, {}).update(entries)

        self.hook.crm_register_translations(register=register)
        return i18n.CORE.with_entries(more)


def gather(
    collection: Collection[T],
    registrations: Iterable[tuple[str, Callable[[Callable[..., None]], Any]]],
    core: Iterable[str] = (),
) -> dict[str, T]:
    """What each plugin's `register(...)` calls add up to, by key, checked: `registrations`
    pairs a plugin's name with a call of its hook implementation."""
    found: dict[str, T] = {}
    owner: dict[str, str] = {}
    quiet = frozenset(core)
    for plugin, call in registrations:

        def register(*args: Any, plugin: str = plugin) -> None:
            record = collection.accept(*args)
            key = collection.key(record)
            if key in found:
                others = f"{owner[key]} and {plugin}" if owner[key] != plugin else plugin
                raise PluginError(f"{collection.what} {key!r} is registered twice (by {others})")
            if collection.check is not None:
                collection.check(record, found)
            found[key] = record
            owner[key] = plugin

        try:
            call(register)
        except CrmError as exc:
            if exc.plugin is None and plugin not in quiet:
                exc.plugin = plugin
            raise
        except Exception as exc:
            raise PluginHookError(plugin, collection.hook, exc) from exc
    return found


def build_runtime(
    catalog: PluginCatalog, enabled: Iterable[str], fingerprint: tuple[Any, ...] = ()
) -> Runtime:
    """The runtime of the plugins `enabled` (their names), those that cannot load set aside
    with the reason, as are those whose requirement cannot."""
    problems: list[PluginProblem] = []
    usable: dict[str, InstalledPlugin] = {}
    for name in sorted(enabled):
        found = catalog.installed.get(name)
        if found is None:
            problems.append(PluginProblem(name, "enabled here but not installed"))
        elif not found.ok:
            problems.append(PluginProblem(name, f"cannot be loaded: {found.error}"))
        else:
            usable[name] = found
    changed = True
    while changed:  # a plugin whose requirement is not usable sits out too, and its dependants
        changed = False
        for name, found in list(usable.items()):
            missing = [r for r in found.requires if r not in usable]
            if missing:
                reason = f"requires {', '.join(missing)}, which is not active"
                problems.append(PluginProblem(name, reason))
                del usable[name]
                changed = True
    order = dependency_order(usable, lambda n: usable[n].requires)
    features = []
    for feature in catalog.features.values():
        if not feature.ok:
            problems.append(PluginProblem(feature.name, f"cannot be loaded: {feature.error}"))
        else:
            features.append(feature)
    return Runtime(
        tuple(features),
        tuple(usable[name] for name in order),
        tuple(problems),
        fingerprint,
    )
