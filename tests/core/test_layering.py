"""Arrows point one way: bots → core ← storage. core never imports a platform library, an adapter or storage
(it declares the repository Protocols storage implements); neither core nor storage names a platform."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {"core": ("discord", "telegram", "bots", "storage"), "storage": ("discord", "telegram", "bots")}


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_platform_imports(package):
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in imported_modules(path):
            if name.split(".")[0] in FORBIDDEN[package]:
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


#: The chat platforms the adapters in ``bots/`` serve; a new one adds its name here when it adds its folder.
PLATFORM_NAMES = ("telegram", "discord")


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_platform_is_named(package):
    """A new platform is a new folder under bots/: nothing in core/ or storage/ knows any of them by name,
    not even in a comment, so nothing there has to change when one is added."""
    offenders = [f"{path.relative_to(ROOT)}:{number}"
                 for path in sorted((ROOT / package).rglob("*.py"))
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if any(name in line.lower() for name in PLATFORM_NAMES)]
    assert offenders == []


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_every_module_can_be_read_in_one_sitting(package):
    long = [f"{path.relative_to(ROOT)}: {n} lines" for path in sorted((ROOT / package).rglob("*.py"))
            if (n := len(path.read_text().splitlines())) > 400]
    assert long == []
