"""Vendors the web pages' front-end libraries into the wheel when it is built: each is taken from
its npm package (the version and the tarball's sha512 pinned in pyproject.toml under
[tool.crm.web-assets]), checked, and unpacked under crm_core/server/web/static/vendor/. Nothing
is fetched when the server runs, and no Node toolchain is needed to install."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tarfile
import tomllib
import urllib.request
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

ROOT = Path(__file__).resolve().parent
VENDOR = ROOT / "crm_core" / "server" / "web" / "static" / "vendor"


def _registry() -> str:
    return os.environ.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org").rstrip("/")


def _tarball(package: str, version: str, integrity: str) -> bytes:
    name = package.rsplit("/", 1)[-1]
    url = f"{_registry()}/{package}/-/{name}-{version}.tgz"
    with urllib.request.urlopen(url, timeout=60) as answer:
        data: bytes = answer.read()
    algorithm, _, expected = integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if digest != expected:
        raise RuntimeError(f"{package}@{version}: the tarball's {algorithm} is not the pinned one")
    return data


def vendor(assets: dict[str, dict[str, Any]]) -> list[Path]:
    """Unpack each pinned asset unless it is already there in that version."""
    VENDOR.mkdir(parents=True, exist_ok=True)
    written = []
    for target, spec in assets.items():
        path = VENDOR / target
        stamp = VENDOR / f".{target}.version"
        wanted = f"{spec['package']}@{spec['version']} {spec['integrity']}"
        if path.is_file() and stamp.is_file() and stamp.read_text() == wanted:
            written.append(path)
            continue
        data = _tarball(spec["package"], spec["version"], spec["integrity"])
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            for member_name, out in ((spec["file"], path), (spec.get("license"), None)):
                if member_name is None:
                    continue
                member = archive.extractfile(f"package/{member_name}")
                if member is None:
                    raise RuntimeError(f"{spec['package']} has no {member_name}")
                (out or VENDOR / f"{target}.LICENSE").write_bytes(member.read())
        stamp.write_text(wanted)
        written.append(path)
    return written


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
        try:
            vendor(config["tool"]["crm"]["web-assets"])
        except (OSError, RuntimeError) as error:
            if version != "editable":
                raise
            # A development checkout without the npm registry still installs: the pages then
            # work as plain forms (search on submit, no partial updates) until the next install.
            self.app.display_warning(f"web assets not vendored ({error}); pages work without htmx")
        build_data.setdefault("artifacts", []).append("crm_core/server/web/static/vendor/*")
