"""Plugin discovery, dependency order, and the plugin manager of one set of enabled plugins.

A plugin is a distribution whose entry point in group `crm.plugins` names a module holding
`plugin = PluginSpec(...)` and its hook implementations. The core's own features (reports,
rollups, imports, rules ...) are plugins too, found the same way in group `crm.features` and
always on; the kernel names none of them. Entry points are scanned once, lazily; each is loaded
on its own, so one broken plugin is reported (`crm plugins list`) and the others keep working.
"""

from __future__ import annotations

import graphlib
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pluggy

from crm_core.foundation.errors import CrmError, PluginError, PluginHookError
from crm_core.hooks import specs as hookspecs
from crm_core.hooks.markers import PROJECT
from crm_core.hooks.plugin_spec import PluginSpec
from crm_core.kernel import core_hooks

ENTRY_POINT_GROUP = "crm.plugins"
#: The core's own features, always on in every deployment.
FEATURE_GROUP = "crm.features"
#: The name the kernel's own hook implementations (and the core's migration branch) go by.
CORE = "crm_core"


@attrs.frozen
class InstalledPlugin:
    """One entry point found, loaded or with the reason it could not be."""

    name: str
    distribution: str | None
    module: ModuleType | None = None
    spec: PluginSpec | None = None
    error: str | None = None
    #: One of the core's features (group `crm.features`): always on, never enabled by hand.
    builtin: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and self.spec is not None and self.module is not None

    @property
    def version(self) -> str:
        return self.spec.version if self.spec else "?"

    @property
    def requires(self) -> tuple[str, ...]:
        return self.spec.requires if self.spec else ()


def load_plugin_module(
    name: str, module: ModuleType, distribution: str | None, *, builtin: bool = False
) -> InstalledPlugin:
    spec = getattr(module, "plugin", None)
    if not isinstance(spec, PluginSpec):
        return InstalledPlugin(
            name,
            distribution,
            error=f"module {module.__name__} has no `plugin = PluginSpec(...)`",
            builtin=builtin,
        )
    if spec.name != name:
        return InstalledPlugin(
            name,
            distribution,
            error=f"entry point {name!r} names a plugin called {spec.name!r}",
            builtin=builtin,
        )
    problem = spec.contract_problem()
    if problem is not None:
        return InstalledPlugin(name, distribution, error=problem, builtin=builtin)
    return InstalledPlugin(name, distribution, module=module, spec=spec, builtin=builtin)


def _load_entry_point(ep: EntryPoint, *, builtin: bool) -> InstalledPlugin:
    dist = ep.dist.name if ep.dist is not None else None
    try:
        module = ep.load()
    except Exception as exc:  # a broken plugin must not take the CLI down
        last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        where = f" ({Path(last[0].filename).name}:{last[0].lineno})" if last else ""
        error = f"{type(exc).__name__}: {exc}{where}"
        return InstalledPlugin(ep.name, dist, error=error, builtin=builtin)
    if not isinstance(module, ModuleType):
        error = f"entry point {ep.value} is not a module"
        return InstalledPlugin(ep.name, dist, error=error, builtin=builtin)
    return load_plugin_module(ep.name, module, dist, builtin=builtin)


def _load_group(eps: Iterable[EntryPoint], *, builtin: bool) -> dict[str, InstalledPlugin]:
    found: dict[str, InstalledPlugin] = {}
    for ep in sorted(eps, key=lambda e: e.name):
        if ep.name in found:
            error = "two installed distributions claim this name"
            found[ep.name] = InstalledPlugin(ep.name, None, error=error, builtin=builtin)
            continue
        found[ep.name] = _load_entry_point(ep, builtin=builtin)
    return found


class PluginCatalog:
    """The plugins and features installed in this Python environment, found through entry
    points once (`entry_point_list` replaces the scan of `crm.plugins`, for tests)."""

    def __init__(self, entry_point_list: Iterable[EntryPoint] | None = None) -> None:
        self._entry_points = entry_point_list
        self._installed: dict[str, InstalledPlugin] | None = None
        self._features: dict[str, InstalledPlugin] | None = None
        self._extra: dict[str, InstalledPlugin] = {}

    def add_module(self, name: str, module: ModuleType) -> InstalledPlugin:
        """Make a module available as an installed plugin without an entry point (tests)."""
        found = load_plugin_module(name, module, distribution=None)
        self._extra[name] = found
        return found

    @property
    def installed(self) -> Mapping[str, InstalledPlugin]:
        """The plugins that a deployment may enable, by name."""
        if self._installed is None:
            eps = self._entry_points
            if eps is None:
                eps = entry_points(group=ENTRY_POINT_GROUP)
            self._installed = _load_group(eps, builtin=False)
        return {**self._installed, **self._extra}

    @property
    def features(self) -> Mapping[str, InstalledPlugin]:
        """The core's features, on in every deployment, by name."""
        if self._features is None:
            self._features = _load_group(entry_points(group=FEATURE_GROUP), builtin=True)
        return self._features

    def get(self, name: str) -> InstalledPlugin:
        try:
            return self.installed[name]
        except KeyError:
            if name in self.features:
                raise PluginError(f"{name!r} is part of the core: always on") from None
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


def make_plugin_manager(
    features: Sequence[InstalledPlugin], plugins: Sequence[InstalledPlugin]
) -> pluggy.PluginManager:
    """A fresh manager: the kernel's own hooks, the core's features, then `plugins` (already in
    dependency order)."""
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    pm.register(core_hooks, name=CORE)
    for found in (*features, *plugins):
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
    """`relay.crm_x(**kwargs)` calls hook `crm_x`, naming the plugin in any error it raises
    (the core's features are the core: their refusals carry no plugin name)."""

    def __init__(self, pm: pluggy.PluginManager, core: Iterable[str] = ()) -> None:
        self.pm = pm
        self.core = frozenset({CORE, *core})
        self._owners: dict[str, str] = {}
        for name, plugin in pm.list_name_plugin():
            module_name = getattr(plugin, "__name__", "")
            # The core is blamed only for its hook modules, not for shared code a plugin calls.
            key = module_name if name in self.core else module_name.split(".")[0]
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
                    exc.plugin = None if blamed in relay.core else blamed
                raise
            except Exception as exc:
                blamed = relay.blame(exc, caller) or "unknown"
                raise PluginHookError(blamed, hook_name, exc) from exc

        # Kept on the instance, so the next call skips this lookup and the partial-and-method
        # hop (the hook caller is the plugin manager's own).
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

    def registrations(self, hook_name: str) -> list[tuple[str, Callable[..., Any]]]:
        """Each implementation of a collector hook with the name of its plugin, in the order
        pluggy would call them, for gathering what each plugin registers."""
        caller = getattr(self.pm.hook, hook_name)
        found: list[tuple[str, Callable[..., Any]]] = []
        for impl in reversed(caller.get_hookimpls()):
            function = impl.function

            def call(register: Any, function: Any = function, names: Any = impl.argnames) -> Any:
                return function(**{n: register for n in names})

            found.append((impl.plugin_name, call))
        return found
