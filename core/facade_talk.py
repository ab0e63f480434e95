"""Talking characters as :class:`core.service.VoiceService` lends them; see :mod:`core.talk` for how an
adapter drives a conversation.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

from core.models import Character, UserRef
from core.talk import TalkStart
from core.talk_turn import TalkTurn

if TYPE_CHECKING:
    from core.service import VoiceService


class TalkFacade:
    """Mixed into :class:`core.service.VoiceService` (``self`` is the service)."""

    @property
    def talk_enabled(self: VoiceService) -> bool:
        """Whether characters may converse (VOICEBRIDGE_TALK and a chat model)."""
        return self.cases.talk.enabled

    async def talk_start(self: VoiceService, user: UserRef, where: str, name: str) -> TalkStart:
        """See :meth:`core.talk.Talk.start`."""
        return await self.cases.talk.start(user, where, name)

    async def talk_current(self: VoiceService, user: UserRef, where: str) -> Character | None:
        """See :meth:`core.talk.Talk.current`."""
        return await self.cases.talk.current(user, where)

    async def talk_end(self: VoiceService, user: UserRef, where: str) -> Character | None:
        """See :meth:`core.talk.Talk.end`."""
        return await self.cases.talk.end(user, where)

    async def talk_reset(self: VoiceService, user: UserRef, where: str, name: str | None = None) -> tuple[Character, int]:
        """See :meth:`core.talk.Talk.reset`."""
        return await self.cases.talk.reset(user, where, name)

    def talk_turn(self: VoiceService, user: UserRef, where: str, text: str, *,
                  character: str | None = None) -> AbstractAsyncContextManager[TalkTurn]:
        """See :meth:`core.talk.Talk.turn`."""
        return self.cases.talk.turn(user, where, text, character=character)

    async def talk_transcribe(self: VoiceService, user: UserRef, data: bytes, filename: str | None = None) -> str:
        """See :meth:`core.talk.Talk.transcribe`."""
        return await self.cases.talk.transcribe(user, data, filename)

    async def character_scope(self: VoiceService, user: UserRef, *, personal: bool) -> str | None:
        """See :meth:`core.characters.Characters.scope_for` (list with :meth:`characters`)."""
        return await self.cases.characters.scope_for(user, personal=personal)

    async def find_character(self: VoiceService, user: UserRef, name: str) -> Character:
        """See :meth:`core.characters.Characters.find`."""
        return await self.cases.characters.find(user, name)
