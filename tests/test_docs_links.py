"""The docs render without broken links: every relative link in a Markdown file names a file or
folder that exists, and every #anchor names a heading of the file it points into."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIP = {
    ".venv",
    ".venv-test",
    "demo-output",
    ".git",
    "node_modules",
    ".pytest_cache",
    ".ruff_cache",
}
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)


def markdown_files() -> list[Path]:
    return sorted(
        p for p in ROOT.rglob("*.md") if not SKIP & set(p.relative_to(ROOT).parts) and p.is_file()
    )


def anchors(path: Path) -> set[str]:
    """GitHub's anchors: lower case, punctuation dropped, spaces to hyphens."""
    found = set()
    for line in CODE.sub("", path.read_text(encoding="utf-8")).splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", title)))
    return found


def links(path: Path) -> list[str]:
    return LINK.findall(CODE.sub("", path.read_text(encoding="utf-8")))


def test_the_scan_finds_the_docs() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in markdown_files()}
    assert {"README.md", "docs/getting-started.md", "docs/zh/README.md"} <= names
    assert sum(len(links(p)) for p in markdown_files()) > 50


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(path: Path) -> None:
    broken = []
    for target in links(path):
        if re.match(r"[a-z]+:", target):  # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        destination = (path.parent / file_part).resolve() if file_part else path
        missing_anchor = anchor and destination.suffix == ".md" and destination.exists()
        if not destination.exists() or (missing_anchor and anchor not in anchors(destination)):
            broken.append(target)
    assert broken == []
