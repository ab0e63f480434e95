"""One person on two platforms: link codes, linking an identity to an account, and unlinking (giving back)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from core.errors import LinkCodeInvalid, NameTaken
from core.lexicon import user_owner
from storage import schema
from storage.database import Database
from storage.settings import load_options

#: What an identity brought to the account it links to (stored as JSON with the link): voice ids, the key's
#: fingerprint, whether its settings moved, dictionary words and character ids.
Brought = dict[str, list[int] | list[str] | str | bool | None]


class LinksRepo(Database):
    # --- link codes ------------------------------------------------------------------------

    async def create_link_code(self, user_id: int, code: str, *, max_age: float) -> None:
        """Issue ``code`` for ``user_id`` (replacing their earlier one); expired codes are dropped."""
        table = schema.link_codes
        now = schema.utcnow()
        async with self._write() as conn:
            await conn.execute(sa.delete(table).where(
                (table.c.user_id == user_id) | (table.c.created_at < now - timedelta(seconds=max_age))))
            await conn.execute(sa.insert(table).values(code=code, user_id=user_id, created_at=now))

    async def take_link_code(self, code: str, *, max_age: float) -> int | None:
        """The account that issued ``code`` if it is younger than ``max_age`` seconds; the code is used up."""
        table = schema.link_codes
        async with self._write() as conn:
            row = (await conn.execute(sa.select(table).where(table.c.code == code))).first()
            # rowcount: of two concurrent takes (PostgreSQL), only the one that deleted it gets the code
            if row is None or (await conn.execute(sa.delete(table).where(table.c.code == code))).rowcount != 1:
                return None
        if row.created_at < schema.utcnow() - timedelta(seconds=max_age):
            return None
        return row.user_id

    async def peek_link_code(self, code: str, *, max_age: float) -> int | None:
        """The account that issued ``code`` if it is younger than ``max_age`` seconds; the code stays valid."""
        table = schema.link_codes
        async with self._read() as conn:
            row = (await conn.execute(sa.select(table).where(table.c.code == code))).first()
        if row is None or row.created_at < schema.utcnow() - timedelta(seconds=max_age):
            return None
        return row.user_id

    # --- links -----------------------------------------------------------------------------

    async def linked_identities(self, account_id: int) -> list[tuple[str, str]]:
        """``(platform, platform_user_id)`` of every identity that uses ``account_id``'s data, itself first."""
        users, links = schema.users, schema.identity_links
        async with self._read() as conn:
            own = (await conn.execute(sa.select(users.c.platform, users.c.platform_user_id)
                                      .where(users.c.id == account_id))).all()
            linked = (await conn.execute(
                sa.select(users.c.platform, users.c.platform_user_id)
                .select_from(links.join(users, users.c.id == links.c.identity_id))
                .where(links.c.account_id == account_id).order_by(users.c.platform))).all()
        return [(r[0], r[1]) for r in (*own, *linked)]

    async def is_linked(self, identity_id: int) -> bool:
        """Whether the identity uses another account, or another identity uses it."""
        links = schema.identity_links
        async with self._read() as conn:
            return bool((await conn.execute(sa.select(sa.func.count()).select_from(links).where(
                (links.c.identity_id == identity_id) | (links.c.account_id == identity_id)))).scalar_one())

    async def link_identity(self, identity_id: int, account_id: int, *, code: str | None = None) -> None:
        """Make ``identity_id`` use ``account_id``'s data from now on, in one transaction.

        What the identity had moves over where the account has nothing in its place: clones
        (NameTaken if the account has a voice of the same name: nothing changes then), the API key,
        settings, dictionary entries for other words, usage (added up) and characters it created.
        What stays behind (a key or settings where the account has its own, entries for words the
        account has too) is kept under the identity, unused while linked. What moved is recorded with
        the link, so :meth:`unlink` gives it back. ``code``: the link code, used up in the same transaction
        (LinkCodeInvalid if another link took it first), so a crash leaves it valid.
        """
        uid, aid = identity_id, account_id
        v, k, st, u, p = schema.voices, schema.api_keys, schema.user_settings, schema.usage, schema.pronunciations
        brought: Brought = {}
        async with self._write() as conn:
            if code is not None and (await conn.execute(
                    sa.delete(schema.link_codes).where(schema.link_codes.c.code == code))).rowcount != 1:
                raise LinkCodeInvalid()
            theirs = {r.name_key: r.name for r in (await conn.execute(
                sa.select(v.c.name_key, v.c.name).where(v.c.owner_id == uid))).all()}
            clash = (await conn.execute(sa.select(v.c.name).where(
                v.c.owner_id == aid, v.c.name_key.in_(list(theirs))).limit(1))).scalar_one_or_none()
            if clash is not None:
                raise NameTaken(name=clash)
            brought["voices"] = list((await conn.execute(sa.select(v.c.id).where(v.c.owner_id == uid))).scalars())
            await conn.execute(sa.update(v).where(v.c.owner_id == uid).values(owner_id=aid))
            for table, column, what in ((k, k.c.user_id, "key"), (st, st.c.user_id, "settings")):
                has = (await conn.execute(sa.select(sa.func.count()).select_from(table)
                                          .where(column == aid))).scalar_one()
                if has:
                    continue
                # the key is remembered by its fingerprint: it is given back only if it is still this key
                marker = (await conn.execute(sa.select(k.c.fingerprint).where(k.c.user_id == uid))
                          ).scalar_one_or_none() if what == "key" else True
                if (await conn.execute(sa.update(table).where(column == uid).values({column.name: aid}))).rowcount:
                    brought[what] = marker
            for row in (await conn.execute(sa.select(u).where(u.c.user_id == uid))).all():
                added = ("bytes", "requests", "operator_bytes", "lent_bytes", "tokens", "operator_tokens")
                stmt = self._insert(u).values(user_id=aid, day=row.day, **{name: getattr(row, name) for name in added})
                await conn.execute(stmt.on_conflict_do_update(
                    index_elements=["user_id", "day"],
                    set_={name: getattr(u.c, name) + getattr(stmt.excluded, name) for name in added}))
            await conn.execute(sa.delete(u).where(u.c.user_id == uid))
            mine, ours = user_owner(uid), user_owner(aid)
            kept = sa.select(p.c.word_key).where(p.c.owner == ours).scalar_subquery()
            words = sa.and_(p.c.owner == mine, p.c.word_key.not_in(kept))
            brought["words"] = list((await conn.execute(sa.select(p.c.word_key).where(words))).scalars())
            await conn.execute(sa.update(p).where(words).values(owner=ours))
            chars = schema.characters
            brought["characters"] = list((await conn.execute(
                sa.select(chars.c.id).where(chars.c.owner_id == uid))).scalars())
            await conn.execute(sa.update(chars).where(chars.c.owner_id == uid).values(owner_id=aid))
            for table in (schema.pending_clones, schema.link_codes):
                await conn.execute(sa.delete(table).where(table.c.user_id == uid))
            await conn.execute(sa.insert(schema.identity_links).values(
                identity_id=uid, account_id=aid, created_at=schema.utcnow(), brought=json.dumps(brought)))

    async def unlink(self, user_id: int) -> int:
        """Undo every link of ``user_id`` (as identity or as account); returns how many there were.

        Each identity gets back what it brought to the link (see :meth:`link_identity`) and still exists:
        its clones, its key (unless replaced since), settings, dictionary entries and characters. What the
        account had stays with the account; usage stays added up.
        """
        links = schema.identity_links
        async with self._write() as conn:
            rows = (await conn.execute(sa.select(links).where(
                (links.c.identity_id == user_id) | (links.c.account_id == user_id)))).all()
            for row in rows:
                await self._give_back(conn, row.identity_id, row.account_id, load_options(row.brought))
            return (await conn.execute(sa.delete(links).where(
                (links.c.identity_id == user_id) | (links.c.account_id == user_id)))).rowcount

    async def _give_back(self, conn: AsyncConnection, uid: int, aid: int, brought: Mapping[str, Any]) -> None:
        """Move what identity ``uid`` brought to account ``aid`` back to it (inside the unlink's transaction)."""
        v, k, st = schema.voices, schema.api_keys, schema.user_settings
        p, chars = schema.pronunciations, schema.characters
        voice_ids = [int(i) for i in brought.get("voices", [])]
        if voice_ids:
            await conn.execute(sa.update(v).where(v.c.owner_id == aid, v.c.id.in_(voice_ids)).values(owner_id=uid))
        for table, column, what in ((k, k.c.user_id, "key"), (st, st.c.user_id, "settings")):
            if brought.get(what):
                left = (await conn.execute(sa.select(sa.func.count()).select_from(table)
                                           .where(column == uid))).scalar_one()
                where = column == aid
                if what == "key":  # not a key the account set after the link
                    where = sa.and_(where, k.c.fingerprint == brought[what])
                if not left:
                    await conn.execute(sa.update(table).where(where).values({column.name: uid}))
        words = [str(w) for w in brought.get("words", [])]
        if words:
            mine = user_owner(uid)
            taken = sa.select(p.c.word_key).where(p.c.owner == mine).scalar_subquery()
            await conn.execute(sa.update(p).where(p.c.owner == user_owner(aid), p.c.word_key.in_(words),
                                                  p.c.word_key.not_in(taken)).values(owner=mine))
        char_ids = [int(i) for i in brought.get("characters", [])]
        if char_ids:
            await conn.execute(sa.update(chars).where(chars.c.owner_id == aid, chars.c.id.in_(char_ids))
                               .values(owner_id=uid))
