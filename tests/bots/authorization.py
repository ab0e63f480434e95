"""What the Telegram and Discord authorization matrices share (tests/bots/*/test_authorization.py).

* :class:`Outcome` and :func:`parse_row` — one row of a matrix written as a line of cells, one per role:
  ``OK`` (allowed: the effect happens, on the caller's data only), ``NO:key`` (refused with the sentence
  ``key`` in the caller's language, nothing changed), ``IGN`` (ignored: no answer, nothing changed),
  ``DEL`` (a secret posted where others see it: the message is deleted, nothing stored), ``N/O`` (not
  offered there: Discord never delivers it, e.g. a server-only command in a DM) and ``-`` (no such cell,
  e.g. pressing someone else's button on a command that has none).
* :func:`snapshot` / :func:`assert_unchanged` / :func:`assert_only_touches` — the whole store before and
  after, compared row by row, with each row's owner (a user id or a chat/guild scope), so "nothing
  changed" and "only the caller's data changed" hold for every table, including ones added later;
  :func:`empty_store` between cells keeps the snapshots small.
* :func:`says` / :func:`assert_says` — a sentence of the catalog (``core.i18n``) recognised in a reply, in
  one language, whatever its parameters (returned, e.g. the ``{action}`` a permission refusal named);
  :func:`assert_action_localized` — that action is in the caller's language too.
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from core import i18n
from storage import schema

# --- outcomes -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: str  # "OK", "NO", "IGN", "DEL", "N/O", "-"
    key: str | None = None  # the sentence a refusal must be (core.i18n / adapter strings)

    @property
    def allowed(self) -> bool:
        return self.kind == "OK"

    @property
    def applies(self) -> bool:
        return self.kind != "-"

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}" if self.key else self.kind


KINDS = ("OK", "NO", "IGN", "DEL", "N/O", "-")


def parse_row(spec: str, roles: tuple[str, ...]) -> dict[str, Outcome]:
    """``"OK NO:permission_denied -"`` → ``{role: Outcome}`` (one cell per role, in order)."""
    cells = spec.split()
    assert len(cells) == len(roles), f"{spec!r}: {len(cells)} cells for {len(roles)} roles {roles}"
    out: dict[str, Outcome] = {}
    for role, cell in zip(roles, cells, strict=True):
        kind, _, key = cell.partition(":")
        assert kind in KINDS, f"unknown outcome {cell!r} in {spec!r}"
        out[role] = Outcome(kind, key or None)
    return out


def assert_matrix_covers(registered: Iterable[str], covered: Iterable[str], what: str) -> None:
    """Every registered command has a row; a row for a command that no longer exists is stale."""
    registered, covered = set(registered), set(covered)
    missing = sorted(registered - covered)
    stale = sorted(covered - registered)
    assert not missing, (f"{what} registers commands the authorization matrix does not cover: {missing}. "
                         "Add a row for each (every role's expected outcome) to the matrix.")
    assert not stale, f"the matrix has rows for commands {what} no longer registers: {stale}"


# --- the store, before and after ------------------------------------------------------------------

Snapshot = dict[str, frozenset[str]]
#: Bookkeeping columns: a write that changes nothing else (e.g. options written back as they were) is no change.
TIMESTAMPS = ("updated_at",)


def _sqlite_file(app: Any) -> str | None:
    url = sa.engine.make_url(app.config.effective_database_url)
    return url.database if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") else None


def _canonical(row: Mapping[str, Any]) -> str:
    return json.dumps({k: v for k, v in row.items() if k not in TIMESTAMPS}, sort_keys=True, default=str)


async def snapshot(app: Any) -> Snapshot:
    """Every row of every table, each as canonical JSON without :data:`TIMESTAMPS`.

    On SQLite (what the tests run on) the file is read directly with :mod:`sqlite3`: one cell takes two
    snapshots, and going through the store's async engine (``Store.export_all``) costs a thread hop per
    table. Elsewhere, ``export_all``.
    """
    path = _sqlite_file(app)
    if path is None:
        data = await app.store.export_all()
        return {name: frozenset(_canonical(row) for row in rows) for name, rows in data["tables"].items()}
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        out: Snapshot = {}
        for table in schema.TABLES:
            cursor = con.execute(f'SELECT * FROM "{table.name}"')  # noqa: S608 - our own table names
            names = [d[0] for d in cursor.description]
            out[table.name] = frozenset(_canonical(dict(zip(names, r, strict=True))) for r in cursor.fetchall())
        return out
    finally:
        con.close()


async def empty_store(app: Any) -> None:
    """Delete every row of every table (not the schema, nor the secret key's record) and forget the service's
    cached user ids, so that a cell starts from an empty store plus its own setup: its snapshots stay small
    however many cells ran before. Nothing else writes between two cells (the bot is idle)."""
    path = _sqlite_file(app)
    if path is None:
        async with app.store._write() as conn:
            for table in reversed(schema.TABLES):
                await conn.execute(sa.delete(table))
    else:
        con = sqlite3.connect(path, timeout=10)
        try:
            con.execute("PRAGMA synchronous=OFF")  # test data: no need to wait for the disk
            with con:
                for table in reversed(schema.TABLES):
                    con.execute(f'DELETE FROM "{table.name}"')  # noqa: S608 - our own table names
        finally:
            con.close()
    items = getattr(getattr(app.service, "_user_ids", None), "_items", None)
    if items is not None:
        items.clear()


def account_ids(snap: Snapshot, platform: str, platform_user_id: int | str) -> set[str]:
    """``uid:N`` of a platform user's own row and of the account it is linked to, from a snapshot."""
    own = {row["id"] for row in map(json.loads, snap.get("users", ()))
           if row["platform"] == platform and str(row["platform_user_id"]) == str(platform_user_id)}
    linked = {row["account_id"] for row in map(json.loads, snap.get("identity_links", ()))
              if row["identity_id"] in own}
    return {f"uid:{i}" for i in own | linked}


def changes(before: Snapshot, after: Snapshot) -> list[tuple[str, str, dict[str, Any]]]:
    """``(table, "+"|"-", row)`` for each row added or removed (a changed row is both)."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, frozenset()), after.get(name, frozenset())
        out += [(name, "-", json.loads(r)) for r in sorted(old - new)]
        out += [(name, "+", json.loads(r)) for r in sorted(new - old)]
    return out


def row_owners(table: str, row: Mapping[str, Any]) -> set[str]:
    """Whose data a row is: ``uid:N`` (an account) and/or ``scope:platform:id`` (a chat or guild)."""
    if table == "users":
        return {f"uid:{row['id']}"}
    if table == "identity_links":
        return {f"uid:{row['identity_id']}", f"uid:{row['account_id']}"}
    if table in ("scope_settings", "characters"):  # "user:N": an account's own (core.characters.personal_scope)
        scope = str(row["scope"])
        return {f"uid:{scope.split(':', 1)[1]}"} if scope.startswith("user:") else {f"scope:{scope}"}
    if table == "voices":
        return {f"uid:{row['owner_id']}"}
    if table == "pronunciations":
        owner = str(row["owner"])
        return {f"uid:{owner.split(':', 1)[1]}"} if owner.startswith("user:") else {f"scope:{owner}"}
    if "user_id" in row:
        return {f"uid:{row['user_id']}"}
    return {f"?{table}"}


def _describe(rows: list[tuple[str, str, dict[str, Any]]]) -> str:
    return "\n".join(f"  {sign} {table}: {row}" for table, sign, row in rows)


def assert_unchanged(before: Snapshot, after: Snapshot, *, new_users_ok: bool = True,
                     intended: Callable[[str, dict[str, Any]], bool] | None = None) -> None:
    """Nothing in the store changed; only a first-seen caller's ``users`` row may appear (``new_users_ok``),
    and changes ``intended(table, row)`` says a refusal makes on purpose (a posted link code is burnt)."""
    diff = [c for c in changes(before, after)
            if not (new_users_ok and c[0] == "users" and c[1] == "+" and not _was_there(before, c[2]))
            and not (intended is not None and intended(c[0], c[2]))]
    assert not diff, "a refused request changed the store:\n" + _describe(diff)


def _was_there(before: Snapshot, row: dict[str, Any]) -> bool:
    return any(json.loads(r)["id"] == row["id"] for r in before.get("users", ()))


def assert_only_touches(before: Snapshot, after: Snapshot, allowed: set[str]) -> list[tuple[str, str, dict]]:
    """Every row added or removed belongs to ``allowed`` owners only (``uid:N`` / ``scope:…``)."""
    diff = changes(before, after)
    foreign = [c for c in diff if not row_owners(c[0], c[2]) <= allowed]
    assert not foreign, f"the request changed data of someone else (allowed: {sorted(allowed)}):\n" + _describe(foreign)
    return diff


# --- sentences ------------------------------------------------------------------------------------

_FIELD = re.compile(r"\{(\w+)\}")


def template(key: str, lang: str) -> str:
    entry = i18n._CATALOG.get(key)
    assert entry is not None, f"no sentence {key!r} in the catalog"
    return entry.get(i18n.normalize_language(lang)) or entry["en"]


def _pattern(key: str, lang: str) -> re.Pattern[str]:
    text = template(key, lang)
    out, seen, pos = [], set(), 0
    for m in _FIELD.finditer(text):
        out.append(re.escape(text[pos:m.start()]))
        name = m.group(1)
        out.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
        pos = m.end()
    out.append(re.escape(text[pos:]))
    return re.compile("".join(out), re.S)


def says(text: str | None, key: str, lang: str) -> dict[str, str] | None:
    """The parameters if ``text`` contains sentence ``key`` in ``lang`` (HTML entities decoded), else None."""
    if not text:
        return None
    m = _pattern(key, lang).search(html.unescape(text))
    return m.groupdict() if m else None


def assert_says(texts: list[str], key: str, lang: str) -> dict[str, str]:
    """One of ``texts`` is sentence ``key`` in the caller's language ``lang``."""
    for text in reversed(texts):
        found = says(text, key, lang)
        if found is not None:
            return found
    assert False, (f"expected the {lang!r} sentence {key!r} ({template(key, lang)!r}); the bot said: "
                   f"{texts!r}")


LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def assert_action_localized(action: str, lang: str) -> None:
    """The action a permission refusal names is in ``lang`` too (Chinese/Japanese: no English words)."""
    if i18n.normalize_language(lang) == "en":
        return
    words = LATIN_WORD.findall(action)
    assert not words, f"the refusal names the action in English for a {lang!r} user: {action!r}"


__all__ = [
    "Outcome",
    "Snapshot",
    "assert_action_localized",
    "assert_matrix_covers",
    "assert_only_touches",
    "assert_says",
    "account_ids",
    "assert_unchanged",
    "changes",
    "empty_store",
    "parse_row",
    "row_owners",
    "says",
    "snapshot",
    "template",
]
