"""Users (one row per platform identity), their interface language, API keys and usage, and forgetting them."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import sqlalchemy as sa
from cryptography.fernet import InvalidToken
from sqlalchemy.exc import IntegrityError

from core.characters import personal_scope
from core.errors import NotFound
from core.lexicon import user_owner
from storage import schema
from storage.database import Database

log = logging.getLogger("voicebridge.storage")


def _utc_today() -> date:
    return datetime.now(UTC).date()


def _user_query(platform: str, platform_user_id: str) -> sa.Select:
    users, links = schema.users, schema.identity_links
    return (sa.select(users.c.id, links.c.account_id)
            .select_from(users.outerjoin(links, links.c.identity_id == users.c.id))
            .where(users.c.platform == platform, users.c.platform_user_id == platform_user_id))


def _account_of(row: sa.Row | None) -> int | None:
    """The account of a platform identity (a row of :func:`_user_query`): its own id, or the account it is
    linked to."""
    if row is None:
        return None
    return row.account_id if row.account_id is not None else row.id


class AccountsRepo(Database):
    # --- users -----------------------------------------------------------------------------

    async def find_user(self, platform: str, platform_user_id: str) -> int | None:
        query = _user_query(platform, str(platform_user_id))
        return await self._read_unit(lambda conn: _account_of(conn.execute(query).first()))

    async def identity_id(self, platform: str, platform_user_id: str) -> int | None:
        """The platform identity's own users row id (not the account it may be linked to)."""
        users = schema.users
        async with self._read() as conn:
            return (await conn.execute(
                sa.select(users.c.id).where(users.c.platform == platform,
                                            users.c.platform_user_id == str(platform_user_id))
            )).scalar_one_or_none()

    async def get_or_create_user(self, platform: str, platform_user_id: str) -> int:
        """The user's (account) id, creating the row on first sight (safe when two calls race)."""
        platform_user_id = str(platform_user_id)
        found = await self.find_user(platform, platform_user_id)
        if found is not None:
            return found
        stmt = self._insert(schema.users).values(platform=platform, platform_user_id=platform_user_id,
                                                 created_at=schema.utcnow())
        stmt = stmt.on_conflict_do_nothing(index_elements=["platform", "platform_user_id"])
        query = _user_query(platform, platform_user_id)

        def create(conn: sa.Connection) -> int | None:
            conn.execute(stmt)
            return _account_of(conn.execute(query).first())

        user_id = await self._write_unit(create)
        assert user_id is not None
        return user_id

    async def get_user(self, user_id: int) -> tuple[str, str] | None:
        """``(platform, platform_user_id)`` of a user id, or None."""
        users = schema.users
        async with self._read() as conn:
            row = (await conn.execute(
                sa.select(users.c.platform, users.c.platform_user_id).where(users.c.id == user_id)
            )).first()
        return (row[0], row[1]) if row else None

    async def set_ui_language(self, user_id: int, lang: str | None) -> None:
        async with self._write() as conn:
            result = await conn.execute(
                sa.update(schema.users).where(schema.users.c.id == user_id).values(ui_language=lang))
        if result.rowcount == 0:
            raise NotFound(what="user", name=str(user_id))

    async def get_ui_language(self, user_id: int) -> str | None:
        async with self._read() as conn:
            return (await conn.execute(
                sa.select(schema.users.c.ui_language).where(schema.users.c.id == user_id))).scalar_one_or_none()

    # --- API keys --------------------------------------------------------------------------

    async def set_api_key(self, user_id: int, plaintext: str, fingerprint: str) -> None:
        """Store the user's key, Fernet-encrypted; only the last 4 characters are kept readable."""
        if not plaintext:
            raise ValueError("empty API key")
        ciphertext = self._fernet.encrypt(plaintext.encode()).decode("ascii")
        hint = plaintext[-4:] if len(plaintext) > 8 else ""
        now = schema.utcnow()
        stmt = self._insert(schema.api_keys).values(user_id=user_id, ciphertext=ciphertext, fingerprint=fingerprint,
                                                    hint=hint, created_at=now, updated_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=["user_id"],
            set_={k: stmt.excluded[k] for k in ("ciphertext", "fingerprint", "hint", "updated_at")})
        try:
            await self._write_unit(lambda conn: conn.execute(stmt))
        except IntegrityError:
            raise NotFound(what="user", name=str(user_id)) from None

    async def get_api_key(self, user_id: int) -> str | None:
        """The user's key in plain text, or None (none stored, or it no longer decrypts)."""
        keys = schema.api_keys
        async with self._read() as conn:
            ciphertext = (await conn.execute(
                sa.select(keys.c.ciphertext).where(keys.c.user_id == user_id))).scalar_one_or_none()
        if ciphertext is None:
            return None
        try:
            return self._fernet.decrypt(ciphertext.encode("ascii")).decode()
        except (InvalidToken, ValueError):
            log.warning("the stored API key of user %s cannot be decrypted (was VOICEBRIDGE_SECRET_KEY "
                        "changed?); treating it as absent", user_id)
            return None

    async def get_api_key_info(self, user_id: int) -> tuple[str, str] | None:
        """``(fingerprint, hint)`` where hint is the key's last 4 characters ("" for very short keys)."""
        keys = schema.api_keys
        async with self._read() as conn:
            row = (await conn.execute(
                sa.select(keys.c.fingerprint, keys.c.hint).where(keys.c.user_id == user_id))).first()
        return (row[0], row[1]) if row else None

    async def clear_api_key(self, user_id: int) -> bool:
        async with self._write() as conn:
            result = await conn.execute(sa.delete(schema.api_keys).where(schema.api_keys.c.user_id == user_id))
        return result.rowcount > 0

    # --- usage -----------------------------------------------------------------------------

    async def add_usage(self, user_id: int, nbytes: int, *, day: date | None = None, requests: int = 1,
                        operator: bool = False, lent: bool = False) -> None:
        """Add ``nbytes`` billed UTF-8 bytes and ``requests`` requests to the user's (UTC) day;
        ``operator``: the operator's key paid for them (they count against the daily quota);
        ``lent``: someone else spoke them through the user's clone, on the user's own key."""
        if nbytes < 0 or requests < 0:
            raise ValueError("usage cannot be negative")
        usage = schema.usage
        stmt = self._insert(usage).values(user_id=user_id, day=day or _utc_today(), bytes=int(nbytes),
                                          requests=int(requests), operator_bytes=int(nbytes) if operator else 0,
                                          lent_bytes=int(nbytes) if lent else 0)
        stmt = stmt.on_conflict_do_update(
            index_elements=["user_id", "day"],
            set_={name: getattr(usage.c, name) + getattr(stmt.excluded, name)
                  for name in ("bytes", "requests", "operator_bytes", "lent_bytes")})
        try:
            await self._write_unit(lambda conn: conn.execute(stmt))
        except IntegrityError:
            raise NotFound(what="user", name=str(user_id)) from None

    async def get_usage(self, user_id: int, *, day: date | None = None) -> tuple[int, int, int, int]:
        """``(today_bytes, today_requests, total_bytes, total_requests)``; "today" is ``day`` or the UTC day."""
        day = day or _utc_today()
        usage = schema.usage
        async with self._read() as conn:
            today = (await conn.execute(
                sa.select(usage.c.bytes, usage.c.requests)
                .where(usage.c.user_id == user_id, usage.c.day == day))).first()
            total = (await conn.execute(
                sa.select(sa.func.coalesce(sa.func.sum(usage.c.bytes), 0),
                          sa.func.coalesce(sa.func.sum(usage.c.requests), 0))
                .where(usage.c.user_id == user_id))).one()
        today_bytes, today_requests = (int(today[0]), int(today[1])) if today else (0, 0)
        return today_bytes, today_requests, int(total[0]), int(total[1])

    async def get_lent_bytes(self, user_id: int, *, day: date | None = None) -> tuple[int, int]:
        """``(today, total)`` bytes others spoke through the user's clones on the user's own key."""
        usage = schema.usage
        async with self._read() as conn:
            today = (await conn.execute(
                sa.select(usage.c.lent_bytes)
                .where(usage.c.user_id == user_id, usage.c.day == (day or _utc_today())))).scalar_one_or_none()
            total = (await conn.execute(sa.select(sa.func.coalesce(sa.func.sum(usage.c.lent_bytes), 0))
                                        .where(usage.c.user_id == user_id))).scalar_one()
        return int(today or 0), int(total)

    async def get_operator_bytes(self, user_id: int, *, day: date | None = None) -> int:
        """Bytes the operator's key paid for on ``day`` (default: the UTC day): what the quota counts."""
        usage = schema.usage
        async with self._read() as conn:
            value = (await conn.execute(
                sa.select(usage.c.operator_bytes)
                .where(usage.c.user_id == user_id, usage.c.day == (day or _utc_today())))).scalar_one_or_none()
        return int(value or 0)

    # --- forget ----------------------------------------------------------------------------

    async def forget_user(self, user_id: int) -> int:
        """Delete every row about the user (settings, voices, key, usage, dictionary, pending clone
        requests, link codes, the user itself), and the identities on other platforms linked to it.

        Characters are the scope's: the user's characters in a chat or server stay, with no owner; their own
        (personal) characters go, with every conversation's memory of them. Returns the number
        of rows deleted (characters un-owned are not counted).
        """
        deleted = 0
        async with self._write() as conn:
            # identities linked to this account go too: it is one person, and their data is this account's
            links = schema.identity_links
            linked = (await conn.execute(sa.select(links.c.identity_id)
                                         .where(links.c.account_id == user_id))).scalars().all()
            await conn.execute(sa.delete(links).where(
                (links.c.identity_id == user_id) | (links.c.account_id == user_id)))
            await conn.execute(sa.delete(schema.link_codes).where(schema.link_codes.c.user_id.in_([user_id, *linked])))
            everyone = [user_id, *linked]  # a linked identity keeps what it did not bring, unused: it goes too
            for table, column in ((schema.voices, schema.voices.c.owner_id),
                                  (schema.api_keys, schema.api_keys.c.user_id),
                                  (schema.user_settings, schema.user_settings.c.user_id),
                                  (schema.usage, schema.usage.c.user_id),
                                  (schema.pending_clones, schema.pending_clones.c.user_id),
                                  # talking characters: their turns (and the answers to them), talks they began
                                  (schema.conversation_turns, schema.conversation_turns.c.user_id),
                                  (schema.talks, schema.talks.c.user_id)):
                deleted += (await conn.execute(sa.delete(table).where(column.in_(everyone)))).rowcount
            deleted += (await conn.execute(sa.delete(schema.pronunciations).where(
                schema.pronunciations.c.owner.in_([user_owner(u) for u in everyone])))).rowcount
            own_scopes = [personal_scope(u) for u in everyone]  # their own characters, and options kept there
            deleted += (await conn.execute(sa.delete(schema.characters).where(
                schema.characters.c.scope.in_(own_scopes)))).rowcount
            deleted += (await conn.execute(sa.delete(schema.scope_settings).where(
                schema.scope_settings.c.scope.in_(own_scopes)))).rowcount
            await conn.execute(sa.update(schema.characters).where(schema.characters.c.owner_id.in_(everyone))
                               .values(owner_id=None))
            deleted += (await conn.execute(sa.delete(schema.users).where(schema.users.c.id.in_(everyone)))).rowcount
        return deleted
