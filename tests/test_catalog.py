"""The one string catalog, across core and every adapter.

Every sentence is in English, Chinese and Japanese with the same placeholders; no key is defined twice;
every key the code names exists; every entry is said somewhere (no dead sentences); no key is named after
a platform.
"""

from __future__ import annotations

import ast
import importlib
import string
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from core import i18n

ROOT = Path(__file__).resolve().parents[1]
CODE = ("core", "bots")
LANGUAGES = {"en", "zh", "ja"}
#: The functions that look a sentence up by key (``t``, ``tr``, ``ctx.tr``, ``ctx.plain``).
LOOKUPS = {"t", "tr", "plain"}
#: Parameters that may name a sentence by key (``action="action_…"``: see :func:`core.i18n.t`).
KEYED_PARAMS = ("action", "allowed", "rule", "unit", "what", "name", "place", "value")
OLD_PREFIXES = ("tg_", "dc_", "dcv_", "ui_")


def catalog_modules() -> list[ModuleType]:
    """Core's catalog modules (``core/*strings.py``) and every adapter's (``*strings.py``), wherever they live."""
    paths = [*sorted((ROOT / "core").glob("*strings.py")), *sorted((ROOT / "bots").rglob("*strings.py"))]
    return [importlib.import_module(".".join(p.relative_to(ROOT).with_suffix("").parts)) for p in paths]


def _is_catalog(value: object) -> bool:
    return (isinstance(value, dict) and bool(value)
            and all(isinstance(k, str) and isinstance(v, dict) and "en" in v for k, v in value.items()))


def catalogs() -> dict[str, dict[str, dict[str, str]]]:
    """``{"module.NAME": entries}`` for every catalog a catalog module defines."""
    return {f"{module.__name__}.{name}": value
            for module in catalog_modules() for name, value in vars(module).items()
            if name.isupper() and _is_catalog(value)}


def entries() -> dict[str, dict[str, str]]:
    return {key: entry for catalog in catalogs().values() for key, entry in catalog.items()}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _code() -> Iterator[tuple[Path, ast.AST]]:
    for package in CODE:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _callee(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def _constants(node: ast.AST) -> Iterator[str]:
    """The string literals an argument may evaluate to (``"a"``, ``"a" if x else "b"``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _constants(node.body)
        yield from _constants(node.orelse)


def _prefix(node: ast.AST) -> str | None:
    """``"family_"`` of a key built at run time: ``f"family_{x}"`` or ``"family_" + x``."""
    first = None
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        first = node.left
    if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.endswith("_"):
        return first.value
    return None


def test_every_sentence_in_three_languages_with_the_same_placeholders() -> None:
    for name, catalog in catalogs().items():
        for key, entry in catalog.items():
            assert set(entry) == LANGUAGES, (name, key)
            assert all(isinstance(text, str) and text.strip() for text in entry.values()), (name, key)
            assert _fields(entry["zh"]) == _fields(entry["en"]) == _fields(entry["ja"]), (name, key)


def test_no_key_is_defined_twice_and_all_are_registered() -> None:
    counts = Counter(key for catalog in catalogs().values() for key in catalog)
    assert [key for key, n in counts.items() if n > 1] == []
    assert set(i18n._CATALOG) == set(counts)
    for key, entry in entries().items():
        assert i18n._CATALOG[key] == entry, key


def test_no_key_is_named_after_a_platform() -> None:
    assert [key for key in entries() if key.startswith(OLD_PREFIXES)] == []


def test_every_key_the_code_names_exists() -> None:
    known = set(entries())
    missing: list[str] = []
    for path, tree in _code():
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            if _callee(node) in LOOKUPS and node.args:
                missing += [f"{where}: {key}" for key in _constants(node.args[0]) if key not in known]
                prefix = _prefix(node.args[0])
                if prefix is not None and not any(key.startswith(prefix) for key in known):
                    missing.append(f"{where}: {prefix}…")
            for keyword in node.keywords:
                if keyword.arg in KEYED_PARAMS:
                    missing += [f"{where}: {keyword.arg}={key}" for key in _constants(keyword.value)
                                if key.startswith(keyword.arg + "_") and key not in known]
    assert missing == []


def test_every_entry_is_said_somewhere() -> None:
    """A key is used when the code (not a catalog entry) has it as a literal, or builds it from a prefix."""
    literals: set[str] = set()
    prefixes: set[str] = set()
    for _path, tree in _code():
        entry_keys = {id(k) for node in ast.walk(tree) if isinstance(node, ast.Dict)
                      for k, v in zip(node.keys, node.values, strict=True) if isinstance(v, ast.Dict)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in entry_keys:
                literals.add(node.value)
            elif (prefix := _prefix(node)) is not None:
                prefixes.add(prefix)
    unused = [key for key in entries() if key not in literals and not key.startswith(tuple(prefixes))]
    assert unused == []
