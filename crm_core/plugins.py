"""Plugin discovery, dependency order and one PluginManager per deployment.

A plugin is a distribution whose entry point in group `crm.plugins` names a module. The module
holds `plugin = PluginSpec(...)` and its hook implementations. Entry points are scanned once,
lazily; each is loaded on its own, so one broken plugin is reported (`crm plugins list`) and
the others keep working.
"""

from __future__ import annotations

import graphlib
import importlib
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pluggy
from sqlalchemy import Table

from crm_core import hookspecs
from crm_core.db import metadata
from crm_core.errors import CrmError, PluginError, PluginHookError

ENTRY_POINT_GROUP = "crm.plugins"
CORE = "crm_core"
#: Table.info key naming the plugin that owns a table (core tables carry none).
TABLE_OWNER = "crm_plugin"


def _as_tuple(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen
class PluginSpec:
    """What a plugin declares about itself, as `plugin = PluginSpec(...)` in its module."""

    name: str
    title: str
    version: str
    requires: tuple[str, ...] = attrs.field(default=(), converter=_as_tuple)
    #: Prefix of every table the plugin owns, e.g. "cr_".
    table_prefix: str = ""
    #: Dotted package holding the plugin's Alembic versions (its own branch), if it has tables.
    migrations: str | None = None
    title_zh: str = ""
    description: str = ""

    def tables(self) -> list[Table]:
        """The tables this plugin owns (tagged `info={"crm_plugin": name}`)."""
        return [t for t in metadata.sorted_tables if t.info.get(TABLE_OWNER) == self.name]

    def migrations_path(self) -> Path | None:
        if self.migrations is None:
            return None
        package = importlib.import_module(self.migrations)
        return Path(next(iter(package.__path__)))


def plugin_table(plugin: str, *args: Any) -> tuple[Any, ...]:
    """`__table_args__` for a plugin's model: the given constraints plus the owner tag."""
    return (*args, {"info": {TABLE_OWNER: plugin}})


@attrs.frozen
class InstalledPlugin:
    """One entry point found in `crm.plugins`, loaded or with the reason it could not be."""

    name: str
    distribution: str | None
    module: ModuleType | None = None
    spec: PluginSpec | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.spec is not None and self.module is not None

    @property
    def version(self) -> str:
        return self.spec.version if self.spec else "?"

    @property
    def requires(self) -> tuple[str, ...]:
        return self.spec.requires if self.spec else ()


def load_plugin_module(name: str, module: ModuleType, distribution: str | None) -> InstalledPlugin:
    spec = getattr(module, "plugin", None)
    if not isinstance(spec, PluginSpec):
        return InstalledPlugin(
            name, distribution, error=f"module {module.__name__} has no `plugin = PluginSpec(...)`"
        )
    if spec.name != name:
        return InstalledPlugin(
            name,
            distribution,
            error=f"entry point {name!r} names a plugin called {spec.name!r}",
        )
    return InstalledPlugin(name, distribution, module=module, spec=spec)


def _load_entry_point(ep: EntryPoint) -> InstalledPlugin:
    dist = ep.dist.name if ep.dist is not None else None
    try:
        module = ep.load()
    except Exception as exc:  # a broken plugin must not take the CLI down
        last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        where = f" ({Path(last[0].filename).name}:{last[0].lineno})" if last else ""
        return InstalledPlugin(ep.name, dist, error=f"{type(exc).__name__}: {exc}{where}")
    if not isinstance(module, ModuleType):
        return InstalledPlugin(ep.name, dist, error=f"entry point {ep.value} is not a module")
    return load_plugin_module(ep.name, module, dist)


class PluginCatalog:
    """The plugins installed in this Python environment, found through entry points once."""

    def __init__(self, entry_point_list: Iterable[EntryPoint] | None = None) -> None:
        self._entry_points = entry_point_list
        self._installed: dict[str, InstalledPlugin] | None = None
        self._extra: dict[str, InstalledPlugin] = {}

    def add_module(self, name: str, module: ModuleType) -> InstalledPlugin:
        """Make a module available as an installed plugin without an entry point (tests)."""
        found = load_plugin_module(name, module, distribution=None)
        self._extra[name] = found
        return found

    @property
    def installed(self) -> Mapping[str, InstalledPlugin]:
        if self._installed is None:
            eps = self._entry_points
            if eps is None:
                eps = entry_points(group=ENTRY_POINT_GROUP)
            found: dict[str, InstalledPlugin] = {}
            for ep in sorted(eps, key=lambda e: e.name):
                if ep.name in found:
                    found[ep.name] = InstalledPlugin(
                        ep.name, None, error="two installed distributions claim this name"
                    )
                    continue
                found[ep.name] = _load_entry_point(ep)
            self._installed = found
        return {**self._installed, **self._extra}

    def get(self, name: str) -> InstalledPlugin:
        try:
            return self.installed[name]
        except KeyError:
            known = ", ".join(sorted(self.installed)) or "none"
            raise PluginError(f"plugin {name!r} is not installed (installed: {known})") from None

    def usable(self, name: str) -> InstalledPlugin:
        found = self.get(name)
        if not found.ok:
            raise PluginError(f"plugin {name!r} cannot be loaded: {found.error}")
        return found


def dependency_order(names: Iterable[str], requires: Callable[[str], Sequence[str]]) -> list[str]:
    """`names` with each plugin after the plugins it requires; refuses cycles."""
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for name in sorted(set(names)):
        sorter.add(name, *requires(name))
    try:
        return list(sorter.static_order())
    except graphlib.CycleError as exc:
        cycle = " -> ".join(exc.args[1])
        raise PluginError(f"plugins require each other in a cycle: {cycle}") from None


def make_plugin_manager(plugins: Sequence[InstalledPlugin]) -> pluggy.PluginManager:
    """A fresh manager with the core and `plugins` (already in dependency order) registered."""
    from crm_core import builtin

    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(builtin, name=CORE)
    for found in plugins:
        if not found.ok or found.module is None:
            raise PluginError(f"plugin {found.name!r} cannot be loaded: {found.error}")
        try:
            pm.register(found.module, name=found.name)
        except ValueError as exc:
            raise PluginError(f"plugin {found.name!r} cannot be registered: {exc}") from None
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {exc.plugin!r} implements an unknown hook: {exc}") from None
    return pm


class HookRelay:
    """`relay.crm_x(**kwargs)` calls hook `crm_x`, naming the plugin in any error it raises."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm
        self._owners: dict[str, str] = {}
        for name, plugin in pm.list_name_plugin():
            module_name = getattr(plugin, "__name__", "")
            # The core is blamed only for its hook module, not for shared code a plugin calls.
            key = module_name if name == CORE else module_name.split(".")[0]
            self._owners[key] = name

    def __getattr__(self, hook_name: str) -> Callable[..., Any]:
        caller = getattr(self.pm.hook, hook_name)
        relay = self

        def call(**kwargs: Any) -> Any:
            try:
                return caller(**kwargs)
            except CrmError as exc:
                if exc.plugin is None:
                    blamed = relay.blame(exc, caller)
                    exc.plugin = None if blamed == CORE else blamed
                raise
            except Exception as exc:
                blamed = relay.blame(exc, caller) or "unknown"
                raise PluginHookError(blamed, hook_name, exc) from exc

        # Kept on the instance, so the next call skips this lookup and the partial-and-method
        # hop (the hook caller is the plugin manager's own and sees plugins registered later).
        self.__dict__[hook_name] = call
        return call

    def blame(self, exc: BaseException, caller: Any = None) -> str | None:
        """The plugin whose hook implementation (or module) is deepest in the traceback."""
        impl_code = {}
        if caller is not None:
            impl_code = {
                impl.function.__code__: impl.plugin_name for impl in caller.get_hookimpls()
            }
        blamed = None
        for frame, _line in traceback.walk_tb(exc.__traceback__):
            owner = impl_code.get(frame.f_code)
            if owner is None:
                module_name = str(frame.f_globals.get("__name__", ""))
                owner = self._owners.get(module_name) or self._owners.get(module_name.split(".")[0])
            if owner is not None:
                blamed = owner
        return blamed

    def collect(self, hook_name: str, **kwargs: Any) -> list[Any]:
        """Call a contribution hook and flatten the iterables each plugin returned."""
        items: list[Any] = []
        for result in getattr(self, hook_name)(**kwargs):
            if result is None:
                continue
            if isinstance(result, Iterable) and not isinstance(result, str | bytes | Mapping):
                items.extend(result)
            else:
                items.append(result)
        return items
