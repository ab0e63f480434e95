"""VoiceService: the one object both bots and the CLI call, a thin facade over the use cases.

Each use case lives in its own module and depends on a small repository Protocol that ``storage``
implements: :mod:`core.speech` and :mod:`core.rendering` (speaking), :mod:`core.voices` and
:mod:`core.cloning` (voices and their life cycle), :mod:`core.settings`, :mod:`core.characters`,
:mod:`core.dictionary`, :mod:`core.identity` and :mod:`core.accounts` (keys, usage, forgetting).
This class builds them once and lends their methods to adapters under one roof, so every platform
behaves the same. New code may use the use cases (``service.cases.speech`` …) directly. Two families of
methods are lent from their own modules: :mod:`core.facade_voice_workflow` (voice IDs, dynamic voices, samples,
files) and :mod:`core.facade_talk` (talking characters).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from core import keys
from core.accounts import Accounts, KeyRemoval
from core.cache import AudioCache
from core.changes import ChangeFeed, NoChanges, watch_core
from core.characters import Characters
from core.cloning import CloneCheck, Cloning, CloneUpload
from core.config import Config
from core.dictionary import Dictionary
from core.engines import Engines
from core.facade_talk import TalkFacade
from core.facade_voice_workflow import VoiceWorkflowFacade
from core.identity import Identities, LinkPreview
from core.limits import Limits
from core.metrics import Metrics
from core.models import (
    AudioFormat,
    Character,
    CloneRequest,
    ForgetReport,
    PCMChunk,
    Pronunciation,
    SettingsPatch,
    UsageReport,
    UserRef,
    Voice,
    VoiceNote,
)
from core.providers.base import TTSProvider
from core.rendering import Renderer
from core.settings import Settings, SettingsView
from core.speech import Speech
from core.utterance import SpeakResult, Utterance
from core.uploads import CloneUploads, clone_uploads
from core.voices import VoiceList, Voices, voice_tag
from core.voice_stream import OpusFrames, stream_voice
from core.web_access import WebAccess
from core.chat_model import ChatModel
from core.talk import Talk


@dataclass(frozen=True, slots=True)
class UseCases:
    """Every use case of the core, wired once."""

    identities: Identities
    voices: Voices
    cloning: Cloning
    settings: Settings
    characters: Characters
    dictionary: Dictionary
    accounts: Accounts
    speech: Speech
    talk: Talk


def build_use_cases(store: Any, *, config: Config, cache: AudioCache, engines: Engines, limits: Limits,
                    metrics: Metrics, secret_key: bytes, clock: Callable[[], float],
                    uploads: Callable[[], CloneUploads], chat: ChatModel | None = None) -> UseCases:
    """Wire the use cases on one store (it implements all their repository Protocols)."""
    identities = Identities(store, clock=clock, legacy_secret=secret_key)
    voices = Voices(store, identities, engines, cache, config, legacy_secret=secret_key)
    settings = Settings(store, identities, voices, engines)
    characters = Characters(store, identities, settings, voices)
    dictionary = Dictionary(store, identities)

    def renderer(release: Callable[[Utterance], None]) -> Renderer:
        return Renderer(store, engines, cache, metrics, config, release)

    speech = Speech(store, identities=identities, settings=settings, voices=voices, characters=characters,
                    dictionary=dictionary, engines=engines, limits=limits, metrics=metrics, config=config,
                    renderer_for=renderer)
    cloning = Cloning(store, identities, voices, settings, engines, config, metrics, uploads)
    talk = Talk(store, identities=identities, characters=characters, speech=speech, engines=engines, limits=limits,
                config=config, chat=chat)
    return UseCases(identities=identities, voices=voices, cloning=cloning, settings=settings,
                    characters=characters, dictionary=dictionary,
                    accounts=Accounts(store, identities, voices, engines, cache, limits, config), speech=speech,
                    talk=talk)


class VoiceService(VoiceWorkflowFacade, TalkFacade):
    """The facade. Build one per process (see ``bots.app``) and share it between adapters.

    ``store`` implements every use case's repository Protocol (``storage.Store`` does).
    """

    def __init__(self, *, config: Config, store: Any, cache: AudioCache, local: TTSProvider,
                 remote: TTSProvider | None, secret_key: bytes, metrics: Metrics | None = None,
                 clock: Callable[[], float] = time.monotonic, chat: ChatModel | None = None) -> None:
        self.config = config
        self.metrics = metrics or Metrics()
        self.store = store
        self.cache = cache
        self.engines = Engines(config, local, remote)
        self.limits = Limits(per_minute=config.requests_per_minute, in_flight=config.max_queued_per_user,
                             clock=clock)
        self.cases = build_use_cases(store, config=config, cache=cache, engines=self.engines, limits=self.limits,
                                     metrics=self.metrics, secret_key=secret_key, clock=clock,
                                     uploads=lambda: clone_uploads(self), chat=chat)
        # the web console's sign-in links and sessions (see the block at the end)
        self.web = WebAccess(store, self.cases.identities, secret_key=secret_key, enabled=config.web,
                             base_url=config.public_url or f"http://{config.web_host}:{config.web_port}")

    @property
    def local(self) -> TTSProvider:
        """The offline engine (``engines.offline``)."""
        return self.engines.offline

    @property
    def remote(self) -> TTSProvider | None:
        """The remote engine, if any (``engines.remote``)."""
        return self.engines.remote

    @property
    def engine(self) -> str:
        """The engine used for users without a key of their own."""
        return self.engines.default

    # --- speaking (core.speech, core.rendering) ------------------------------------------------

    async def prepare(self, user: UserRef, text: str, **options: Any) -> Utterance:
        """See :meth:`core.speech.Speech.prepare`."""
        return await self.cases.speech.prepare(user, text, **options)

    def session(self, user: UserRef, text: str, **options: Any) -> AbstractAsyncContextManager[Utterance]:
        """See :meth:`core.speech.Speech.session`."""
        return self.cases.speech.session(user, text, **options)

    def release(self, utt: Utterance) -> None:
        """See :meth:`core.speech.Speech.release`."""
        self.cases.speech.release(utt)

    def render_notes(self, utt: Utterance, fmt: AudioFormat = "ogg", *,
                     waveform: bool = True) -> AsyncIterator[VoiceNote]:
        """See :meth:`core.rendering.Renderer.notes`."""
        return self.cases.speech.renderer.notes(utt, fmt, waveform=waveform)

    def stream_pcm(self, utt: Utterance) -> AsyncIterator[PCMChunk]:
        """See :meth:`core.rendering.Renderer.stream`."""
        return self.cases.speech.renderer.stream(utt)

    async def speak(self, user: UserRef, text: str, *, fmt: AudioFormat = "ogg", **options: Any) -> SpeakResult:
        """See :meth:`core.speech.Speech.speak`."""
        return await self.cases.speech.speak(user, text, fmt=fmt, **options)

    # --- voices and cloning (core.voices, core.cloning) ----------------------------------------

    def presets(self) -> list[Voice]:
        return self.cases.voices.presets()

    async def voices(self, user: UserRef) -> VoiceList:
        """Presets, the user's clones, and clones that this chat's or guild's characters use."""
        return await self.cases.voices.listing(user, current=(await self.cases.settings.view(user)).voice_name)

    async def set_voice(self, user: UserRef, name: str) -> SettingsView:
        """Choose a voice by name: a preset or one of the user's clones."""
        return await self.cases.settings.update(user, voice=name)

    async def share_voice(self, user: UserRef, name: str, shared: bool | None) -> Voice:
        return await self.cases.voices.share(user, name, shared)

    async def delete_voice(self, user: UserRef, name: str) -> Voice:
        return await self.cases.voices.delete(user, name)

    def can_clone(self) -> bool:
        return self.cases.cloning.can_clone

    async def check_clone_audio(self, data: bytes, filename: str | None = None) -> CloneCheck:
        return await self.cases.cloning.check_audio(data, filename)

    async def check_clone_request(self, user: UserRef, name: str) -> str:
        return await self.cases.cloning.check_request(user, name)

    async def hold_clone_request(self, user: UserRef, **request: Any) -> CloneRequest:
        return await self.cases.cloning.hold_request(user, **request)

    async def take_clone_request(self, user: UserRef, token: str) -> CloneRequest | None:
        return await self.cases.cloning.take_request(user, token)

    async def clone(self, user: UserRef, data: bytes, name: str, **options: Any) -> Voice:
        return await self.cases.cloning.clone(user, data, name, **options)

    def clone_upload(self, user: UserRef, name: str, *, declared_bytes: int,
                     check_file: Callable[[], None] | None = None) -> AbstractAsyncContextManager[CloneUpload]:
        """See :meth:`core.cloning.Cloning.upload` (the clone flow, step 1)."""
        return self.cases.cloning.upload(user, name, declared_bytes=declared_bytes, check_file=check_file)

    async def complete_clone(self, user: UserRef, data: bytes, name: str, **options: Any) -> Voice:
        """See :meth:`core.cloning.Cloning.complete` (the clone flow, on consent)."""
        return await self.cases.cloning.complete(user, data, name, **options)

    # --- settings and characters (core.settings, core.characters) ------------------------------

    async def settings(self, user: UserRef) -> SettingsView:
        return await self.cases.settings.view(user)

    async def update_settings(self, user: UserRef, **fields: object) -> SettingsView:
        return await self.cases.settings.update(user, **fields)

    async def set_style(self, user: UserRef, style: str | None) -> SettingsView:
        return await self.cases.settings.set_style(user, style)

    async def update_scope_settings(self, user: UserRef, *, is_admin: bool, **fields: object) -> SettingsPatch:
        return await self.cases.settings.update_scope(user, is_admin=is_admin, **fields)

    async def scope_options(self, scope: str) -> dict:
        return await self.cases.settings.scope_options(scope)

    async def update_scope_options(self, scope: str, **options: object) -> dict:
        return await self.cases.settings.update_scope_options(scope, **options)

    async def edit_scope_options(self, scope: str, edit: Callable[[dict], dict]) -> dict:
        return await self.cases.settings.edit_scope_options(scope, edit)

    async def scopes_with_option(self, key: str, *, platform: str | None = None) -> list[tuple[str, dict]]:
        return await self.cases.settings.scopes_with_option(key, platform=platform)

    async def ui_language(self, user: UserRef) -> str:
        return await self.cases.settings.ui_language(user)

    async def set_ui_language(self, user: UserRef, lang: str | None) -> str:
        return await self.cases.settings.set_ui_language(user, lang)

    async def create_character(self, user: UserRef, name: str, **fields: Any) -> Character:
        return await self.cases.characters.create(user, name, **fields)

    async def characters(self, scope: str) -> list[Character]:
        return await self.cases.characters.list(scope)

    async def character_voice_name(self, character: Character) -> str:
        return await self.cases.characters.voice_name(character)

    async def update_character(self, user: UserRef, name: str, *, is_admin: bool, **fields: object) -> Character:
        return await self.cases.characters.update(user, name, is_admin=is_admin, **fields)

    async def delete_character(self, user: UserRef, name: str, *, is_admin: bool, **options: bool) -> Character:
        """See :meth:`core.characters.Characters.delete` (``personal=True``: one of the user's own)."""
        return await self.cases.characters.delete(user, name, is_admin=is_admin, **options)

    # --- pronunciation dictionaries (core.dictionary) ------------------------------------------

    async def pronunciations(self, user: UserRef, *, server: bool = False) -> list[Pronunciation]:
        return await self.cases.dictionary.entries(user, server=server)

    async def set_pronunciation(self, user: UserRef, word: str, spoken: str, *, server: bool = False,
                                is_admin: bool = False) -> Pronunciation:
        return await self.cases.dictionary.set(user, word, spoken, server=server, is_admin=is_admin)

    async def remove_pronunciation(self, user: UserRef, word: str, *, server: bool = False,
                                   is_admin: bool = False) -> Pronunciation:
        return await self.cases.dictionary.remove(user, word, server=server, is_admin=is_admin)

    # --- identity and accounts (core.identity, core.accounts) ----------------------------------

    async def user_id(self, user: UserRef) -> int:
        return await self.cases.identities.user_id(user)

    async def start_link(self, user: UserRef) -> str:
        return await self.cases.identities.start_link(user)

    async def link_preview(self, user: UserRef, code: str) -> LinkPreview:
        return await self.cases.identities.link_preview(user, code)

    async def complete_link(self, user: UserRef, code: str) -> str:
        return await self.cases.identities.complete_link(user, code)

    async def linked_platforms(self, user: UserRef) -> list[str]:
        return await self.cases.identities.linked_platforms(user)

    async def unlink(self, user: UserRef) -> bool:
        return await self.cases.identities.unlink(user)

    def fingerprint(self, api_key: str) -> str:
        """A stable, non-reversible id of an API key, independent of the secret key (``core.keys``)."""
        return keys.fingerprint(api_key)

    async def set_api_key(self, user: UserRef, api_key: str) -> str:
        return await self.cases.accounts.set_api_key(user, api_key)

    async def clear_api_key(self, user: UserRef) -> KeyRemoval:
        return await self.cases.accounts.clear_api_key(user)

    async def usage(self, user: UserRef) -> UsageReport:
        return await self.cases.accounts.usage(user)

    async def forget(self, user: UserRef) -> ForgetReport:
        return await self.cases.accounts.forget(user)

    # --- voice channels: the engine's own Opus passed through (issue 11, one voice sender) ------

    def stream_voice(self, utt: Utterance) -> AsyncIterator[PCMChunk | OpusFrames]:
        """See :func:`core.voice_stream.stream_voice`."""
        return stream_voice(self.cases.speech.renderer, utt)

    # --- several processes on one database (core.changes; shards) -------------------------------

    @property
    def changes(self) -> ChangeFeed:
        """The feed of other processes' changes (:class:`core.changes.NoChanges` until :meth:`watch_changes`)."""
        return self.__dict__.setdefault("_changes", NoChanges())

    def watch_changes(self, feed: ChangeFeed) -> Callable[[], None]:
        """Use ``feed``: drop what the core keeps in memory when another process changes it (cached account
        ids, a forgotten user's rate-limit state, cached audio of deleted clones). Returns the unsubscribe."""
        self.__dict__["_changes"] = feed
        return watch_core(feed, forget_ids=self.cases.identities.forget_cached, forget_limits=self.limits.forget,
                          purge_tag=self.cache.purge_tag, voice_tag=voice_tag,
                          forget_talks=self.cases.talk.forget_quiet)

    # --- read-aloud (issue 14): a server's or a channel's voice may be a clone its owner lends ------------------

    async def scope_voice(self, user: UserRef, name: str, *, is_admin: bool) -> str:
        """See :meth:`core.settings.Settings.scope_voice`."""
        return await self.cases.settings.scope_voice(user, name, is_admin=is_admin)

    # --- the web console (core.web_access) -----------------------------------------------------

    async def web_link(self, user: UserRef) -> str:
        """A one-time sign-in link to the web console for ``user``'s account (privately only)."""
        return await self.web.issue_link(user)
