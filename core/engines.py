"""Which speech engine speaks for whom, and with which key.

The process has an offline engine (always there) and, usually, a remote one: SiliconFlow, or a self-hosted
server (``VOICEBRIDGE_PROVIDER=cosyvoice|openai``). Users with a SiliconFlow key of their own speak with SiliconFlow
on that key; the others with the operator's choice. What the remote engine can do (clone, follow a style) is asked of
it (``supports_cloning``, ``supports_instruction``), never inferred from its name.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.config import Config
from core.providers.base import TTSProvider


@dataclass(frozen=True, slots=True)
class EngineChoice:
    """Who speaks and who pays: an engine by name, and whose key (None: no key, or the operator's)."""

    engine: str
    key_owner: int | None  # the account whose own key pays; None with ``billed``: the operator's key
    billed: bool  # the operator's key pays (counts against the daily quota)


class Engines:
    """The engines of this process, looked up by name; the offline one is the fallback."""

    def __init__(self, config: Config, offline: TTSProvider, remote: TTSProvider | None) -> None:
        self.config = config
        self.offline = offline
        self.remote = remote

    @property
    def default(self) -> str:
        """The engine used for users without a key of their own: the remote one when the operator chose it
        (SiliconFlow, or a self-hosted ``cosyvoice`` / ``openai`` server), else the offline one."""
        if self.remote is not None and self.config.effective_provider != "local":
            return self.remote.name
        return self.offline.name

    @property
    def takes_user_keys(self) -> bool:
        """Whether users' own keys (``/key``: SiliconFlow keys) speak on the remote engine. A self-hosted
        engine has only the operator's, and a user's key is never sent to it."""
        return self.remote is not None and not self.config.self_hosted

    def get(self, name: str) -> TTSProvider:
        """The engine called ``name``; the offline one if there is no such engine."""
        if self.remote is not None and name == self.remote.name:
            return self.remote
        return self.offline

    def is_offline(self, name: str) -> bool:
        """Whether ``name`` is the offline engine (no key, no bill, no styles, no clones)."""
        return name == self.offline.name

    @property
    def can_clone(self) -> bool:
        """Whether voices can be cloned at all in this process."""
        return self.remote is not None and self.remote.supports_cloning

    def for_preset(self, uid: int, own_key: str | None) -> EngineChoice:
        """The engine for a preset voice: the remote one on the user's own key, else the operator's choice."""
        if own_key and self.remote is not None and self.takes_user_keys:
            return self.choice(self.remote.name, own_key, uid)
        if self.default != self.offline.name:
            return EngineChoice(engine=self.default, key_owner=None, billed=True)
        return EngineChoice(engine=self.offline.name, key_owner=None, billed=False)

    def choice(self, engine: str, key: str | None, owner: int | None) -> EngineChoice:
        """``engine`` on ``key`` (which belongs to account ``owner``, or is the operator's)."""
        billed = not self.is_offline(engine) and key == self.config.operator_key()
        return EngineChoice(engine=engine, key_owner=None if billed else owner, billed=billed)
