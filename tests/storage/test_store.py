"""``Store`` (storage/store.py) is every repository at once, on one database (see also test_protocols.py: it
implements what the core's use cases ask for)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import storage
from storage import Store
from storage.database import Database


def repositories() -> list[type]:
    """Every ``Database`` subclass the storage package defines (one per use case), but the Store itself."""
    found = []
    for info in pkgutil.iter_modules(storage.__path__):
        module = importlib.import_module(f"storage.{info.name}")
        found += [obj for obj in vars(module).values()
                  if inspect.isclass(obj) and issubclass(obj, Database) and obj not in (Database, Store)
                  and obj.__module__ == module.__name__]
    return found


def public_methods(cls: type) -> set[str]:
    return {name for name, member in vars(cls).items() if not name.startswith("_") and callable(member)}


def test_the_store_composes_every_repository() -> None:
    repos = repositories()
    assert len(repos) >= 7, repos
    assert [repo.__name__ for repo in repos if not issubclass(Store, repo)] == []
    assert Store.__mro__[-2:] == (Database, object)


def test_no_repository_hides_another_ones_method() -> None:
    owners: dict[str, list[str]] = {}
    for repo in repositories():
        for name in public_methods(repo):
            owners.setdefault(name, []).append(repo.__name__)
    assert {name: repos for name, repos in owners.items() if len(repos) > 1} == {}
    for repo in repositories():
        for name in public_methods(repo):
            assert getattr(Store, name) is getattr(repo, name), f"Store.{name} is not {repo.__name__}'s"


async def test_one_store_serves_every_repository(sqlite_url, secret_key) -> None:
    store = await Store.open(sqlite_url, secret_key)
    try:
        uid = await store.get_or_create_user("telegram", "42")  # accounts
        assert await store.find_user("telegram", "42") == uid
        assert await store.get_user(uid) == ("telegram", "42")
        exported = await store.export_all()  # transfer, over the tables every repository wrote
        assert [row["platform_user_id"] for row in exported["tables"]["users"]] == ["42"]
    finally:
        await store.close()
