"""The routes of the deployment's current plugin snapshot: the command table, the plugins' own
routes and their web pages, rebuilt when a plugin is enabled or disabled."""

from __future__ import annotations

import threading
from typing import Any

import click

from crm_core.cli.app import App
from crm_core.cli.main import CrmGroup, build_cli
from crm_core.kernel.deployment import Deployment
from crm_core.server.command_routes import CommandRoute, route_table, walk
from crm_core.server.plugin_routes import PluginRoute, plugin_routes
from crm_core.server.web.plugin_pages import PluginPage, plugin_pages


class Routes:
    """One snapshot's routes, in matching order."""

    def __init__(
        self,
        cli: CrmGroup,
        commands: list[CommandRoute],
        plugins: list[PluginRoute],
        pages: list[PluginPage] | None = None,
    ) -> None:
        #: The snapshot's command tree, its plugins' commands loaded once: every request of
        #: the snapshot runs its command in it (click keeps no state of a run on a command).
        self.cli = cli
        self.commands = commands
        self.plugins = plugins
        #: The plugins' web pages (crm_register_pages), matched by the pages' catch-all.
        self.pages = pages or []
        self.all: list[Any] = [*plugins, *commands]
        self._readers = {
            r.path: r for r in commands if r.method == "GET" and r.command[-1] == "show"
        }

    def match(self, method: str, path: str) -> tuple[Any, dict[str, str]] | None:
        for route in self.all:
            if route.method != method:
                continue
            found = route.pattern.match(path)
            if found is not None:
                return route, found.groupdict()
        return None

    def methods(self, path: str) -> list[str]:
        return sorted({r.method for r in self.all if r.pattern.match(path)})

    def reader_of(self, route: CommandRoute) -> CommandRoute | None:
        """The GET whose answer a PATCH or DELETE on the same path is conditional on."""
        found = self._readers.get(route.path)
        if found is None or [p.name for p in found.in_path] != [p.name for p in route.in_path]:
            return None
        return found


class RouteTable:
    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment
        self._built: dict[Any, Routes] = {}
        self._lock = threading.Lock()

    def current(self) -> Routes:
        runtime = self.deployment.refresh()
        found = self._built.get(runtime.fingerprint)
        if found is None:
            with self._lock:
                found = self._built.get(runtime.fingerprint)
                if found is None:
                    found = self._built[runtime.fingerprint] = self._build(runtime)
        return found

    def _build(self, runtime: Any) -> Routes:
        app = App(None, None, self.deployment.catalog)
        app._deployment = self.deployment
        cli = build_cli(self.deployment.catalog)
        ctx = click.Context(cli, info_name="crm", obj=app)
        ctx.params = {"db": None, "as_login": None}
        commands = route_table(list(walk(cli, ctx)))
        cli.preloaded = True
        return Routes(cli, commands, plugin_routes(runtime), plugin_pages(runtime))
