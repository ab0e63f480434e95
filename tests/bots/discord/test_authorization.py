"""Issue 9: who may do what on Discord — every app command (subcommands and the message menu too) against
every role, in one table.

Roles (columns), each a fresh member of a fresh server per cell:

* ``owner``     — the owner of the thing acted on (their clone, their character, their playing message);
  a plain member, in the bot's voice channel;
* ``member``    — another plain member, in the bot's voice channel;
* ``manager``   — a member with Manage Server, *not* in the voice channel;
* ``moderator`` — a member with Mute Members (no Manage Server), in the voice channel;
* ``outsider``  — a plain member in no voice channel (for voice commands: not in the bot's channel);
* ``dm``        — someone using the command in a DM with the bot;
* ``presser``   — another member pressing the button (or select menu) of the owner's answer.

For personal commands (settings, key, usage, forget, link …) every role acts on themselves; the other party
(the owner, or for ``owner`` a member) has data of their own that must stay as it was. Each cell compares the
whole store before and after: an allowed cell changes only the caller's data (or the server's, for server
settings), a refused one changes nothing and answers in the caller's language (``owner`` en, ``member`` zh,
``manager`` ja, ``moderator`` zh, ``outsider`` ja, ``dm`` zh, ``presser`` ja). ``N/O``: Discord does not
offer the command in DMs (checked on the command's synced payload). The matrix must cover every command the
bot registers (:func:`test_every_command_is_in_the_matrix`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord
import pytest
import pytest_asyncio
from discord import app_commands

from bots.discord.voice_channel.manager import VoiceChannelManager
from core.models import UserRef
from tests.bots.authorization import (
    Outcome,
    account_ids,
    assert_action_localized,
    assert_matrix_covers,
    assert_only_touches,
    assert_says,
    assert_unchanged,
    empty_store,
    parse_row,
    snapshot,
)
from tests.bots.discord.voice_channel.fakes import wait_for
from tests.bots.discord.voice_guild import (
    fresh_ids,
    resolved_member,
    resolved_role,
    running_bot,
    voice_channel,
    voice_state,
)
from tests.fakes.discord import (
    MANAGER_PERMISSIONS,
    MEMBER_PERMISSIONS,
    Call,
    add_guild,
    attachment_payload,
    channel_payload,
    invoke,
    make_component_interaction,
    make_interaction,
    member_payload,
    message_payload,
    user_payload,
)
from tests.fakes.siliconflow import FakeSiliconFlow, sample_wav
from tests.fakes.siliconflow_fixtures import OPERATOR_KEY, USER_KEY

pytestmark = pytest.mark.asyncio(loop_scope="module")

ROLES = ("owner", "member", "manager", "moderator", "outsider", "dm", "presser")
LOCALE = {"owner": "en-US", "member": "zh-CN", "manager": "ja", "moderator": "zh-CN", "outsider": "ja",
          "dm": "zh-CN", "presser": "ja"}
MODERATOR_PERMISSIONS = discord.Permissions(MEMBER_PERMISSIONS.value | discord.Permissions(mute_members=True).value)
PERMISSIONS = {"owner": MEMBER_PERMISSIONS, "member": MEMBER_PERMISSIONS, "manager": MANAGER_PERMISSIONS,
               "moderator": MODERATOR_PERMISSIONS, "outsider": MEMBER_PERMISSIONS, "presser": MEMBER_PERMISSIONS}
#: Who sits in the bot's voice channel (the "listener" keeps it from being empty).
IN_VOICE = ("owner", "member", "moderator", "presser", "listener")
LONG_TEXT = "This is a rather long sentence that takes a while to say. " * 4

fresh_id = fresh_ids(610_000_000_000_000_000)


# --- the bot, once per module --------------------------------------------------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(tmp_path_factory: pytest.TempPathFactory, sf: FakeSiliconFlow) -> AsyncIterator[Any]:
    # Discord's pace: a long message stays playing for a while.
    async with running_bot(tmp_path_factory.mktemp("dc-authz"), sf, delay=0.02) as instance:
        instance.sf = sf
        yield instance


@pytest.fixture(scope="module")
def wav() -> bytes:
    return sample_wav(8.0)


# --- one cell's world ----------------------------------------------------------------------------------


@dataclass(repr=False)
class World:
    """A fresh server with fresh people for one cell; ``me`` is the member in ``role``."""

    bot: Any
    role: str
    guild_id: int
    text: int
    voice: int
    other_voice: int
    dm_channel: int
    ids: dict[str, int]
    in_voice: dict[str, int | None]
    interactions: list[discord.Interaction] = field(default_factory=list)
    extra_owners: set[str] = field(default_factory=set)
    notes: dict[str, Any] = field(default_factory=dict)
    tasks: list[asyncio.Task] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"World(role={self.role}, me={self.me}, guild={self.guild_id})"

    @classmethod
    def make(cls, bot: Any, role: str, placement: dict[str, str] | None = None) -> World:
        guild_id, text, voice, other_voice = fresh_id(), fresh_id(), fresh_id(), fresh_id()
        ids = {r: fresh_id() for r in (*ROLES, "listener")}
        where = {r: voice for r in IN_VOICE}
        for r, channel in (placement or {}).items():
            where[r] = {"voice": voice, "other": other_voice, "none": None}[channel]
        members = [member_payload(ids[r], permissions=PERMISSIONS.get(r, MEMBER_PERMISSIONS),
                                  name=f"{r}{ids[r] % 1000}") for r in ids if r != "dm"]
        add_guild(bot, guild_id, channels=[channel_payload(text, guild_id), voice_channel(voice, guild_id, "Lounge"),
                                           voice_channel(other_voice, guild_id, "Quiet")],
                  members=members, voice_states=[voice_state(ids[r], c) for r, c in where.items() if c])
        return cls(bot=bot, role=role, guild_id=guild_id, text=text, voice=voice, other_voice=other_voice,
                   dm_channel=fresh_id(), ids=ids, in_voice=dict(where))

    # people --------------------------------------------------------------------------------------------

    @property
    def me(self) -> int:
        return self.ids[self.role]

    @property
    def other(self) -> str:
        """The other party's role: the owner, or (when I am the owner) a member."""
        return "member" if self.role == "owner" else "owner"

    @property
    def service(self):
        return self.bot.service

    @property
    def store(self):
        return self.bot.app.store

    @property
    def fake(self):
        return self.bot.fake

    @property
    def guild(self) -> discord.Guild:
        return self.bot.get_guild(self.guild_id)

    def ref(self, role: str | None = None, *, private: bool = False) -> UserRef:
        role = role or self.role
        guild = None if role == "dm" else str(self.guild_id)
        return UserRef(platform="discord", user_id=str(self.ids[role]), scope_id=guild,
                       is_private=private or guild is None)

    def private(self, role: str | None = None) -> UserRef:
        return UserRef(platform="discord", user_id=str(self.ids[role or self.role]), is_private=True)

    @property
    def scope(self) -> str:
        return f"discord:{self.guild_id}"

    # commands ------------------------------------------------------------------------------------------

    def interaction(self, command: str, options: dict | None = None, *, role: str | None = None,
                    **kwargs: Any) -> discord.Interaction:
        role = role or self.role
        guild = None if role == "dm" else self.guild_id
        inter = make_interaction(self.bot, command, options, guild_id=guild,
                                 channel_id=self.dm_channel if guild is None else self.text,
                                 user_id=self.ids[role], permissions=PERMISSIONS.get(role), locale=LOCALE[role],
                                 user_name=f"{role}{self.ids[role] % 1000}", **kwargs)
        self.interactions.append(inter)
        return inter

    async def run(self, command: str, options: dict | None = None, *, role: str | None = None,
                  **kwargs: Any) -> discord.Interaction:
        inter = self.interaction(command, options, role=role, **kwargs)
        await invoke(self.bot, inter)
        return inter

    def start(self, command: str, options: dict | None = None, *, role: str | None = None,
              **kwargs: Any) -> tuple[discord.Interaction, asyncio.Task]:
        inter = self.interaction(command, options, role=role, **kwargs)
        task = asyncio.create_task(invoke(self.bot, inter))
        self.tasks.append(task)
        return inter, task

    async def press(self, inter: discord.Interaction, prefix: str, *, role: str | None = None,
                    values: list[str] | None = None) -> discord.Interaction:
        """Press the button whose custom_id starts with ``prefix`` (or choose ``values`` in the select menu)
        on the latest answer to ``inter``, as ``role``; waits for the press to be answered or acted on."""
        role = role or self.role
        fake = self.fake

        def find() -> str | None:
            for call in reversed(fake.replies(inter.token)):
                for comp in _walk(call.components):
                    if (values is not None and comp.get("type") == 3) or \
                            (values is None and comp.get("custom_id", "").startswith(prefix)):
                        return comp["custom_id"]
            return None

        custom_id = await fake.wait_for(find, 10)
        pressed = make_component_interaction(
            self.bot, custom_id, message_id=fake._originals[inter.token], guild_id=inter.guild_id,
            channel_id=inter.channel_id, user_id=self.ids[role], locale=LOCALE[role],
            component_type=3 if values is not None else 2, values=values, permissions=PERMISSIONS.get(role))
        self.interactions.append(pressed)
        self.bot._connection._view_store.dispatch_view(3 if values is not None else 2, custom_id, pressed)
        await asyncio.sleep(0)
        return pressed

    async def prompt(self, inter: discord.Interaction) -> None:
        """Wait until the answer to ``inter`` shows buttons."""
        await self.fake.wait_for(lambda: [c for c in self.fake.replies(inter.token) if c.components], 15)

    def texts(self) -> list[str]:
        out: list[str] = []
        for inter in self.interactions:
            out += [c.content for c in self.fake.replies(inter.token) if c.content]
        return out

    def last(self, inter: discord.Interaction) -> Call:
        return self.fake.last_reply(inter.token)

    def only_for_the_invoker(self, inter: discord.Interaction) -> bool:
        """Whether the answer to ``inter`` is ephemeral (its first response, or its deferral, says so)."""
        first = next(c for c in self.fake.interaction_calls(inter.token) if c.path.endswith("/callback"))
        return first.ephemeral

    def posted(self, channel: int | None = None) -> list[Call]:
        return [c for c in self.fake.channel_messages(channel) if c not in self.notes.get("posted_before", [])]

    # voice ---------------------------------------------------------------------------------------------

    def member(self, role: str) -> discord.Member:
        return self.guild.get_member(self.ids[role])

    async def bot_joins(self, channel: int | None = None, requester: str = "listener") -> Any:
        manager: VoiceChannelManager = self.bot.voice_manager
        return await manager.join(self.guild.get_channel(channel or self.voice), requester=self.member(requester))

    def player(self):
        return self.bot.voice_manager.player(self.guild_id)

    async def owner_speaks(self, text: str = LONG_TEXT) -> Any:
        manager: VoiceChannelManager = self.bot.voice_manager
        _, item = await manager.enqueue(self.guild, self.member("owner"), self.ref("owner"), text)
        return item

    async def options(self):
        return await self.bot.voice_manager.options(self.guild_id, refresh=True)

    async def close(self) -> None:
        for task in self.tasks:
            if not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        await self.bot.voice_manager.leave(self.guild_id)


def _walk(components: list[dict[str, Any]]):
    for comp in components or []:
        yield comp
        yield from _walk(comp.get("components") or [])


# --- seeding -------------------------------------------------------------------------------------------


async def seed_clone(w: World, role: str, name: str, *, shared: bool | None = None) -> str:
    uri = w.bot.sf.add_voice(OPERATOR_KEY, name)
    uid = await w.service.user_id(w.private(role))
    await w.store.add_voice(uid, name, provider="siliconflow", provider_id=uri,
                            key_fingerprint=w.service.fingerprint(OPERATOR_KEY), transcript="hello",
                            consent_at=datetime.now(UTC))
    if shared is not None:
        await w.service.share_voice(w.private(role), name, shared)
    return uri


async def settings_of(w: World, role: str):
    return await w.service.settings(w.private(role))


async def link_to_telegram(w: World, role: str) -> None:
    telegram = UserRef(platform="telegram", user_id=str(fresh_id()), is_private=True)
    code = await w.service.start_link(telegram)
    await w.service.complete_link(w.private(role), code)
    w.extra_owners.add(f"uid:{await w.service.user_id(telegram)}")


# --- the rows ------------------------------------------------------------------------------------------

Step = Callable[[World], Awaitable[Any]]


@dataclass(repr=False)
class Row:
    label: str
    command: str  # the qualified name (or the message menu's name) it covers
    spec: str  # one outcome per role, in ROLES order
    act: Step
    effect: Step | None = None
    setup: Step | None = None
    press: Step | None = None  # presser: the owner asks; returns (interaction, task, custom_id prefix | values)
    owner_effect: Step | None = None
    refused_check: Step | None = None
    placement: dict[str, str] | None = None
    scope_ok: bool = False  # an allowed cell may change the server's settings
    background_speech: bool = False  # the owner's queued speech bills its usage meanwhile

    def outcomes(self) -> dict[str, Outcome]:
        return parse_row(self.spec, ROLES)

    def __repr__(self) -> str:
        return f"Row({self.label!r}: {self.spec})"


def runs(command: str, options: dict | None = None, **kwargs: Any) -> Step:
    async def act(w: World) -> None:
        w.notes["inter"] = await w.run(command, options, **kwargs)

    return act


async def answered(w: World) -> None:
    last = w.last(w.notes["inter"])
    assert last.content or last.embeds, "no answer"


# voices, voice, delete_voice, share_voice -------------------------------------------------------------

async def other_has_clone(w: World) -> None:
    w.notes["their_clone"] = "theirclone"
    await seed_clone(w, w.other, "theirclone")


async def voices_effect(w: World) -> None:
    answer = w.last(w.notes["inter"])
    assert "theirclone" not in str(answer.payload), "someone else's clone is listed"


async def voices_press(w: World) -> Any:
    inter = await w.run("voices", role="owner")
    return inter, None, ["claire"]


async def voice_is(w: World, role: str, name: str) -> None:
    assert (await settings_of(w, role)).voice_name == name


async def voice_effect(w: World) -> None:
    await voice_is(w, w.role, "claire")


async def voices_owner_effect(w: World) -> None:
    await voice_is(w, "owner", "claire")


async def owner_has_clone(w: World) -> None:
    await seed_clone(w, "owner", "ownerclone")
    w.notes["deletes"] = len(w.bot.sf.requests_for("delete"))


async def owner_voice_effect(w: World) -> None:
    await voice_is(w, "owner", "ownerclone")


async def delete_voice_act(w: World) -> None:
    inter, task = w.start("delete_voice", {"name": "ownerclone"})
    w.notes["inter"] = inter
    if w.role == "owner":
        await w.prompt(inter)
        await w.press(inter, "vb:confirm")
    await asyncio.wait_for(task, 15)


async def delete_voice_effect(w: World) -> None:
    assert not (await w.service.voices(w.private("owner"))).clones
    assert len(w.bot.sf.requests_for("delete")) == w.notes["deletes"] + 1, "not deleted at the provider"


async def delete_voice_press(w: World) -> Any:
    inter, task = w.start("delete_voice", {"name": "ownerclone"}, role="owner")
    return inter, task, "vb:confirm"


async def share_effect(w: World) -> None:
    [voice] = (await w.service.voices(w.private("owner"))).clones
    assert voice.shared is False


# speak, Read aloud -----------------------------------------------------------------------------------

async def speak_setup(w: World) -> None:
    await w.service.set_voice(w.private(w.other), "claire")
    await w.bot_joins()
    w.notes["posted_before"] = list(w.fake.channel_messages())


def shares_voice(w: World) -> bool:
    return w.in_voice.get(w.role) == w.voice


async def speak_effect(w: World) -> None:
    content = w.last(w.notes["inter"]).content or ""
    if shares_voice(w):
        assert f"<#{w.voice}>" in content, content
        assert not w.posted(), "posted a voice message although we share the voice channel"
    else:
        [post] = w.posted(w.dm_channel if w.role == "dm" else w.text)
        assert post.files, "no voice message"
        request = w.bot.sf.requests_for("speech")[-1].json
        assert not request["voice"].endswith(":claire"), "spoken in someone else's voice"


async def read_aloud_act(w: World) -> None:
    author = w.ids[w.other]
    target = message_payload(content="read this for me", author=user_payload(author),
                             channel_id=w.dm_channel if w.role == "dm" else w.text,
                             guild_id=None if w.role == "dm" else w.guild_id)
    inter = w.interaction("Read aloud", target_message=target)
    w.notes["inter"] = inter
    await invoke(w.bot, inter)


async def read_aloud_effect(w: World) -> None:
    answer = w.last(w.notes["inter"])
    if shares_voice(w):
        assert f"<#{w.voice}>" in (answer.content or "")
    else:
        assert w.only_for_the_invoker(w.notes["inter"]) and answer.files, "the audio should come to the invoker only"
    assert not w.posted(), "Read aloud posted for everyone"


# personal settings ------------------------------------------------------------------------------------

async def bystander_setup(w: World) -> None:
    """The other party has a speed and a key of their own (which must not show up or change)."""
    await w.service.update_settings(w.private(w.other), speed=1.7)
    await w.service.set_api_key(w.private(w.other), USER_KEY)


async def settings_effect(w: World) -> None:
    answer = w.last(w.notes["inter"])
    shown = str(answer.embeds)
    assert "1.7" not in shown and "…user" not in shown, "someone else's settings are shown"


def my_setting(name: str, value: Any) -> Step:
    async def effect(w: World) -> None:
        view = await settings_of(w, w.role)
        assert getattr(view.effective, name) == value

    return effect


async def ui_effect(w: World) -> None:
    assert (await settings_of(w, w.role)).ui_language == "ja"


async def my_speed_2(w: World) -> None:
    await w.service.update_settings(w.private(), speed=2.0)


async def key_effect(w: World) -> None:
    assert (await settings_of(w, w.role)).api_key_hint is not None
    assert w.only_for_the_invoker(w.notes["inter"])


async def usage_setup(w: World) -> None:
    await w.store.add_usage(await w.service.user_id(w.private(w.other)), 4242)
    await w.store.add_usage(await w.service.user_id(w.private()), 77)


async def usage_effect(w: World) -> None:
    content = w.last(w.notes["inter"]).content or ""
    assert "77" in content and "4242" not in content, content


async def forget_setup(w: World) -> None:
    await w.service.update_settings(w.private(w.other), speed=1.7)
    await w.service.update_settings(w.private(), speed=2.0)


async def forget_act(w: World) -> None:
    inter, task = w.start("forget")
    w.notes["inter"] = inter
    await w.prompt(inter)
    await w.press(inter, "vb:confirm")
    await asyncio.wait_for(task, 15)


async def forget_effect(w: World) -> None:
    assert (await settings_of(w, w.role)).effective.speed == 1.0
    assert (await settings_of(w, w.other)).effective.speed == 1.7


async def forget_press(w: World) -> Any:
    inter, task = w.start("forget", role="owner")
    return inter, task, "vb:confirm"


async def forget_owner_effect(w: World) -> None:
    assert (await settings_of(w, "owner")).effective.speed == 1.0


# clone ------------------------------------------------------------------------------------------------

def attach(w: World, data: bytes) -> dict:
    payload = attachment_payload(filename="me.wav", size=len(data), content_type="audio/wav")
    w.fake.add_file(payload["url"], data)
    return payload


async def clone_act(w: World) -> None:
    inter, task = w.start("clone", {"name": "mine", "audio": attach(w, w.notes["wav"])})
    w.notes["inter"] = inter
    await w.prompt(inter)
    await w.press(inter, "vb:confirm")
    await asyncio.wait_for(task, 30)


async def clone_effect(w: World) -> None:
    assert [v.name for v in (await w.service.voices(w.private())).clones] == ["mine"]


async def clone_press(w: World) -> Any:
    inter, task = w.start("clone", {"name": "ownervoice", "audio": attach(w, w.notes["wav"])}, role="owner")
    return inter, task, "vb:confirm"


async def clone_owner_effect(w: World) -> None:
    assert [v.name for v in (await w.service.voices(w.private("owner"))).clones] == ["ownervoice"]


# link, unlink ----------------------------------------------------------------------------------------

async def link_effect(w: World) -> None:
    assert_says(w.texts(), "link_code_shown", LOCALE[w.role])
    assert w.only_for_the_invoker(w.notes["inter"])


async def code_setup(w: World) -> None:
    telegram = UserRef(platform="telegram", user_id=str(fresh_id()), is_private=True)
    w.notes["code"] = await w.service.start_link(telegram)
    w.extra_owners.add(f"uid:{await w.service.user_id(telegram)}")


async def link_code_act(w: World) -> None:
    inter, task = w.start("link", {"code": w.notes["code"]})
    w.notes["inter"] = inter
    await w.prompt(inter)
    await w.press(inter, "vb:confirm")
    await asyncio.wait_for(task, 15)


async def link_code_effect(w: World) -> None:
    assert await w.service.linked_platforms(w.private()) == ["telegram"]


async def link_code_press(w: World) -> Any:
    inter, task = w.start("link", {"code": w.notes["code"]}, role="owner")
    return inter, task, "vb:confirm"


async def link_code_owner_effect(w: World) -> None:
    assert await w.service.linked_platforms(w.private("owner")) == ["telegram"]


async def unlink_setup(w: World) -> None:
    await link_to_telegram(w, w.other)
    await link_to_telegram(w, w.role)


async def web_effect(w: World) -> None:
    """/web: a one-time sign-in link to the invoker's account, seen by the invoker only."""
    assert any("/signin/" in text for text in w.texts())
    assert w.only_for_the_invoker(w.notes["inter"])


async def unlink_effect(w: World) -> None:
    assert await w.service.linked_platforms(w.private()) == []
    assert await w.service.linked_platforms(w.private(w.other)) == ["telegram"]


# server defaults ---------------------------------------------------------------------------------------

def server_setting(name: str, value: Any) -> Step:
    async def effect(w: World) -> None:
        view = await w.service.settings(w.ref("owner"))
        assert getattr(view.scope, name) == value

    return effect


# pronounce -------------------------------------------------------------------------------------------

async def my_words(w: World) -> list[str]:
    return [p.word for p in await w.service.pronunciations(w.private())]


async def server_words(w: World) -> list[str]:
    return [p.word for p in await w.service.pronunciations(w.ref("owner"), server=True)]


async def own_word_effect(w: World) -> None:
    assert await my_words(w) == ["gif"]


async def words_setup(w: World) -> None:
    await w.service.set_pronunciation(w.private(w.other), "secretword", "psst")
    await w.service.set_pronunciation(w.private(), "gif", "jif")
    await w.service.set_pronunciation(w.ref("owner"), "sql", "sequel", server=True, is_admin=True)


async def own_word_removed(w: World) -> None:
    assert await my_words(w) == []


async def server_word_set(w: World) -> None:
    assert "gif" in await server_words(w)


async def server_word_removed(w: World) -> None:
    assert await server_words(w) == []


async def list_effect(w: World) -> None:
    shown = str(w.last(w.notes["inter"]).embeds)
    assert "gif" in shown and "secretword" not in shown, "someone else's own pronunciations are listed"


# voice channel ---------------------------------------------------------------------------------------

async def joined_effect(w: World) -> None:
    player = w.player()
    assert player is not None and player.channel.id == w.voice


async def busy_setup(w: World) -> None:
    await w.bot_joins(w.other_voice, requester="listener")


async def moved_effect(w: World) -> None:
    assert w.player().channel.id == w.voice


async def still_elsewhere(w: World) -> None:
    player = w.player()
    assert player is not None and player.channel.id == w.other_voice, "the bot was taken from its listeners"


async def joined_setup(w: World) -> None:
    await w.bot_joins()


async def left_effect(w: World) -> None:
    assert w.player() is None


async def still_joined(w: World) -> None:
    assert w.player() is not None


async def playing_setup(w: World) -> None:
    await w.bot_joins()
    w.notes["item"] = await w.owner_speaks()
    player = w.player()
    await wait_for(lambda: player.now_playing is w.notes["item"], timeout=15)


async def skipped_effect(w: World) -> None:
    assert w.notes["item"].skipped


async def not_skipped(w: World) -> None:
    assert not w.notes["item"].skipped, "someone else's message was skipped"


async def waiting_setup(w: World) -> None:
    await playing_setup(w)
    for _ in range(2):
        await w.owner_speaks()
    assert w.player().queue.waiting(str(w.ids["owner"])) == 2


async def cleared_effect(w: World) -> None:
    left = w.player().queue.waiting(str(w.ids["owner"]))
    if w.role in ("owner", "manager"):
        assert left == 0
    else:
        assert left == 2, "someone else's waiting messages were removed"
    assert_says(w.texts(), "voice_queue_cleared", LOCALE[w.role])


# auto-read -------------------------------------------------------------------------------------------

async def autoread_on_effect(w: World) -> None:
    assert str(w.text) in (await w.options()).autoread_channels


async def autoread_is_on(w: World) -> None:
    await w.bot.voice_manager.update_options(w.guild_id, autoread_channels=(str(w.text),))


async def autoread_off_effect(w: World) -> None:
    assert str(w.text) not in (await w.options()).autoread_channels


async def muted_self(w: World) -> None:
    assert dict((await w.options()).muted).get(str(w.me)) == "self"


def mute_other(command: str) -> Step:
    async def act(w: World) -> None:
        target = w.ids[w.other]
        w.notes["inter"] = await w.run(command, {"member": str(target)}, resolved=resolved_member(target))

    return act


async def other_muted_by_mod(w: World) -> None:
    assert dict((await w.options()).muted).get(str(w.ids[w.other])) == "mod"


async def mod_muted_other(w: World) -> None:
    muted = {str(w.ids[w.other]): "mod"}
    await w.bot.voice_manager.update_options(w.guild_id, muted=muted)


async def other_unmuted(w: World) -> None:
    assert str(w.ids[w.other]) not in dict((await w.options()).muted)


async def mod_muted_me(w: World) -> None:
    await w.bot.voice_manager.update_options(w.guild_id, muted={str(w.me): "mod"})


async def me_unmuted(w: World) -> None:
    assert str(w.me) not in dict((await w.options()).muted)


def voice_option(name: str, value: Any) -> Step:
    async def effect(w: World) -> None:
        assert getattr(await w.options(), name) == value

    return effect


async def channel_voice_set(w: World) -> None:
    assert "claire" in dict((await w.options()).channel_voices).values()


async def emoji_off(w: World) -> None:
    assert (await w.service.scope_options(w.scope)).get("read_emoji") is False


ROLE_ID = 500000000000000123


# characters ------------------------------------------------------------------------------------------

async def created_effect(w: World) -> None:
    [char] = await w.service.characters(w.scope)
    assert char.name == "Hero" and char.owner_id == await w.service.user_id(w.private())


async def owner_character(w: World) -> None:
    await w.service.create_character(w.ref("owner"), "Kurisu", voice="claire")


async def owner_clone_character(w: World) -> None:
    await seed_clone(w, "owner", "ownerclone", shared=False)
    await w.service.create_character(w.ref("owner"), "Kurisu", voice="ownerclone")


async def character_edited(w: World) -> None:
    [char] = await w.service.characters(w.scope)
    assert char.settings.speed == 1.5


async def character_deleted(w: World) -> None:
    assert await w.service.characters(w.scope) == []


# adopt_voice (the seed's voice IDs; tests/bots/discord/cogs/test_seed.py has the details) -------------------

async def adopt_setup(w: World) -> None:
    await w.service.set_api_key(w.private(), USER_KEY)
    w.notes["uri"] = w.bot.sf.add_voice(USER_KEY, f"elsewhere{w.ids[w.role]}")


async def adopt_act(w: World) -> None:
    w.notes["inter"] = await w.run("adopt_voice", {"voice_id": w.notes["uri"], "name": "adopted"})


async def adopt_effect(w: World) -> None:
    [mine] = (await w.service.voices(w.private())).clones
    assert mine.provider_id == w.notes["uri"]


async def character_spoke(w: World) -> None:
    [post] = w.posted(w.text)
    assert post.files


async def list_characters_effect(w: World) -> None:
    assert "Kurisu" in (w.last(w.notes["inter"]).content or "")


# talking characters (issue 12) -------------------------------------------------------------------------

async def persona_form_opened(w: World) -> None:
    assert [c for c in w.fake.interaction_calls(w.notes["inter"].token) if c.callback_type == 9]


async def talk_status_effect(w: World) -> None:
    assert "/talk" in (w.last(w.notes["inter"]).content or "")


NOT_YOURS = "NO:buttons_invoker_only"
PD = "NO:permission_denied"
UV = "NO:unknown_voice"

ROWS: list[Row] = [
    # Cells, in ROLES order: owner member manager moderator outsider dm presser.
    # personal: every role acts on themselves ------------------------------------------------------------
    Row("voices", "voices", f"OK OK OK OK OK OK {NOT_YOURS}", runs("voices"), voices_effect, other_has_clone,
        press=voices_press, owner_effect=voices_owner_effect),
    Row("voice PRESET", "voice", "OK OK OK OK OK OK -", runs("voice", {"name": "claire"}), voice_effect),
    Row("voice <the owner's clone>", "voice", f"OK {UV} {UV} {UV} {UV} {UV} -", runs("voice", {"name": "ownerclone"}),
        owner_voice_effect, owner_has_clone),
    Row("delete_voice <the owner's clone>", "delete_voice", f"OK {UV} {UV} {UV} {UV} {UV} {NOT_YOURS}",
        delete_voice_act, delete_voice_effect, owner_has_clone, press=delete_voice_press,
        owner_effect=delete_voice_effect),
    Row("share_voice <the owner's clone> off", "share_voice", f"OK {UV} {UV} {UV} {UV} {UV} -",
        runs("share_voice", {"name": "ownerclone", "shared": False}), share_effect, owner_has_clone),
    Row("adopt_voice ID NAME (made with their own key)", "adopt_voice", "OK OK OK OK OK OK -", adopt_act,
        adopt_effect, adopt_setup),
    Row("speak TEXT (the bot in the owner's voice channel)", "speak", "OK OK OK OK OK OK -",
        runs("speak", {"text": "hello there"}), speak_effect, speak_setup, background_speech=True),
    Row("Read aloud (someone else's message)", "Read aloud", "OK OK OK OK OK OK -", read_aloud_act,
        read_aloud_effect, speak_setup, background_speech=True),
    Row("settings", "settings", "OK OK OK OK OK OK -", runs("settings"), settings_effect, bystander_setup),
    Row("speed VALUE", "speed", "OK OK OK OK OK OK -", runs("speed", {"value": 2.0}), my_setting("speed", 2.0),
        bystander_setup),
    Row("gain DB", "gain", "OK OK OK OK OK OK -", runs("gain", {"db": -3.0}), my_setting("gain", -3.0)),
    Row("lang LANGUAGE", "lang", "OK OK OK OK OK OK -", runs("lang", {"language": "ja"}),
        my_setting("language", "ja")),
    Row("style STYLE", "style", "OK OK OK OK OK OK -", runs("style", {"style": "happy"}), my_setting("style", "开心")),
    Row("uilang LANGUAGE", "uilang", "OK OK OK OK OK OK -", runs("uilang", {"language": "ja"}), ui_effect),
    Row("reset SETTING", "reset", "OK OK OK OK OK OK -", runs("reset", {"setting": "speed"}),
        my_setting("speed", 1.0), my_speed_2),
    Row("key KEY (ephemeral, also in a server)", "key", "OK OK OK OK OK OK -", runs("key", {"key": USER_KEY}),
        key_effect, bystander_setup),
    Row("usage", "usage", "OK OK OK OK OK OK -", runs("usage"), usage_effect, usage_setup),
    Row("forget", "forget", f"OK OK OK OK OK OK {NOT_YOURS}", forget_act, forget_effect, forget_setup,
        press=forget_press, owner_effect=forget_owner_effect),
    Row("clone NAME AUDIO", "clone", f"OK OK OK OK OK OK {NOT_YOURS}", clone_act, clone_effect, press=clone_press,
        owner_effect=clone_owner_effect),
    Row("link", "link", "OK OK OK OK OK OK -", runs("link"), link_effect),
    Row("link CODE", "link", f"OK OK OK OK OK OK {NOT_YOURS}", link_code_act, link_code_effect, code_setup,
        press=link_code_press, owner_effect=link_code_owner_effect),
    Row("unlink", "unlink", "OK OK OK OK OK OK -", runs("unlink"), unlink_effect, unlink_setup),
    Row("web", "web", "OK OK OK OK OK OK -", runs("web"), web_effect),
    Row("help", "help", "OK OK OK OK OK OK -", runs("help"), answered),
    # the server's defaults: Manage Server ----------------------------------------------------------------
    Row("server voice", "server voice", f"{PD} {PD} OK {PD} {PD} N/O -", runs("server voice", {"voice": "claire"}),
        server_setting("voice", "claire"), scope_ok=True),
    Row("server speed", "server speed", f"{PD} {PD} OK {PD} {PD} N/O -", runs("server speed", {"value": 1.3}),
        server_setting("speed", 1.3), scope_ok=True),
    Row("server lang", "server lang", f"{PD} {PD} OK {PD} {PD} N/O -", runs("server lang", {"language": "ja"}),
        server_setting("language", "ja"), scope_ok=True),
    Row("server show", "server show", "OK OK OK OK OK N/O -", runs("server show"), answered),
    # pronunciations ------------------------------------------------------------------------------------------
    Row("pronounce set (own)", "pronounce set", "OK OK OK OK OK OK -",
        runs("pronounce set", {"word": "gif", "say_as": "jif"}), own_word_effect),
    Row("pronounce set server:True", "pronounce set", f"{PD} {PD} OK {PD} {PD} {PD} -",
        runs("pronounce set", {"word": "gif", "say_as": "jif", "server": True}), server_word_set, scope_ok=True),
    Row("pronounce remove (own)", "pronounce remove", "OK OK OK OK OK OK -", runs("pronounce remove", {"word": "gif"}),
        own_word_removed, words_setup),
    Row("pronounce remove server:True", "pronounce remove", f"{PD} {PD} OK {PD} {PD} {PD} -",
        runs("pronounce remove", {"word": "sql", "server": True}), server_word_removed, words_setup, scope_ok=True),
    Row("pronounce list", "pronounce list", "OK OK OK OK OK OK -", runs("pronounce list"), list_effect, words_setup),
    # voice channels -------------------------------------------------------------------------------------------
    Row("join", "join", "OK OK NO:voice_join_first OK NO:voice_join_first N/O -", runs("join"), joined_effect),
    Row("join (the bot is reading to others in another channel)", "join",
        "NO:voice_busy_elsewhere NO:voice_busy_elsewhere OK NO:voice_busy_elsewhere NO:voice_join_first N/O -",
        runs("join"), moved_effect, busy_setup, refused_check=still_elsewhere,
        placement={"manager": "voice", "listener": "other"}),
    Row("leave", "leave", f"OK OK OK OK {PD} N/O -", runs("leave"), left_effect, joined_setup,
        refused_check=still_joined),
    Row("skip (the owner's message is playing)", "skip", f"OK {PD} OK {PD} {PD} N/O -", runs("skip"), skipped_effect,
        playing_setup, refused_check=not_skipped, background_speech=True),
    Row("clear (the owner has messages waiting)", "clear", "OK OK OK OK OK N/O -", runs("clear"), cleared_effect,
        waiting_setup, background_speech=True),
    Row("autoread on", "autoread on", f"{PD} {PD} OK {PD} {PD} N/O -", runs("autoread on"), autoread_on_effect,
        scope_ok=True),
    Row("autoread off", "autoread off", f"{PD} {PD} OK {PD} {PD} N/O -", runs("autoread off"), autoread_off_effect,
        autoread_is_on, scope_ok=True),
    Row("autoread mute (yourself)", "autoread mute", "OK OK OK OK OK N/O -", runs("autoread mute"), muted_self,
        scope_ok=True),
    Row("autoread mute MEMBER (someone else)", "autoread mute", f"{PD} {PD} OK OK {PD} N/O -",
        mute_other("autoread mute"), other_muted_by_mod, scope_ok=True),
    Row("autoread unmute MEMBER (muted by a moderator)", "autoread unmute", f"{PD} {PD} OK OK {PD} N/O -",
        mute_other("autoread unmute"), other_unmuted, mod_muted_other, scope_ok=True),
    Row("autoread unmute (yourself, muted by a moderator)", "autoread unmute", f"{PD} {PD} OK OK {PD} N/O -",
        runs("autoread unmute"), me_unmuted, mod_muted_me, scope_ok=True),
    Row("voiceconfig show", "voiceconfig show", "OK OK OK OK OK N/O -", runs("voiceconfig show"), answered),
    Row("voiceconfig join_on_speak", "voiceconfig join_on_speak", f"{PD} {PD} OK {PD} {PD} N/O -",
        runs("voiceconfig join_on_speak", {"enabled": True}), voice_option("join_on_speak", True), scope_ok=True),
    Row("voiceconfig announce", "voiceconfig announce", f"{PD} {PD} OK {PD} {PD} N/O -",
        runs("voiceconfig announce", {"enabled": False}), voice_option("announce", False), scope_ok=True),
    Row("voiceconfig skip_prefix", "voiceconfig skip_prefix", f"{PD} {PD} OK {PD} {PD} N/O -",
        runs("voiceconfig skip_prefix", {"prefix": "!"}), voice_option("skip_prefix", "!"), scope_ok=True),
    Row("voiceconfig ignore_bots", "voiceconfig ignore_bots", f"{PD} {PD} OK {PD} {PD} N/O -",
        runs("voiceconfig ignore_bots", {"enabled": False}), voice_option("ignore_bots", False), scope_ok=True),
    Row("voiceconfig ignore_role", "voiceconfig ignore_role", f"{PD} {PD} OK {PD} {PD} N/O -",
        runs("voiceconfig ignore_role", {"role": str(ROLE_ID)}, resolved=resolved_role(ROLE_ID)),
        voice_option("ignore_role", str(ROLE_ID)), scope_ok=True),
    Row("voiceconfig required_role", "voiceconfig required_role", f"{PD} {PD} OK {PD} {PD} N/O -",
        runs("voiceconfig required_role", {"role": str(ROLE_ID)}, resolved=resolved_role(ROLE_ID)),
        voice_option("required_role", str(ROLE_ID)), scope_ok=True),
    Row("voiceconfig max_seconds", "voiceconfig max_seconds", f"{PD} {PD} OK {PD} {PD} N/O -",
        runs("voiceconfig max_seconds", {"seconds": 12.0}), voice_option("max_seconds", 12.0), scope_ok=True),
    # read-aloud options (issue 14): Manage Server
    Row("voiceconfig require_voice", "voiceconfig require_voice", f"{PD} {PD} OK {PD} {PD} N/O -",
        runs("voiceconfig require_voice", {"enabled": False}), voice_option("require_voice", False), scope_ok=True),
    Row("voiceconfig text_in_voice", "voiceconfig text_in_voice", f"{PD} {PD} OK {PD} {PD} N/O -",
        runs("voiceconfig text_in_voice", {"enabled": True}), voice_option("text_in_voice", True), scope_ok=True),
    Row("voiceconfig announce_members", "voiceconfig announce_members", f"{PD} {PD} OK {PD} {PD} N/O -",
        runs("voiceconfig announce_members", {"enabled": True}), voice_option("announce_members", True),
        scope_ok=True),
    Row("voiceconfig idle_timeout", "voiceconfig idle_timeout", f"{PD} {PD} OK {PD} {PD} N/O -",
        runs("voiceconfig idle_timeout", {"seconds": 60.0}), voice_option("idle_timeout", 60.0), scope_ok=True),
    Row("voiceconfig stay_connected", "voiceconfig stay_connected", f"{PD} {PD} OK {PD} {PD} N/O -",
        runs("voiceconfig stay_connected", {"enabled": True}), voice_option("stay_connected", True), scope_ok=True),
    Row("voiceconfig channel_voice", "voiceconfig channel_voice", f"{PD} {PD} OK {PD} {PD} N/O -",
        runs("voiceconfig channel_voice", {"voice": "claire"}), channel_voice_set, scope_ok=True),
    Row("server emoji", "server emoji", f"{PD} {PD} OK {PD} {PD} N/O -", runs("server emoji", {"enabled": False}),
        emoji_off, scope_ok=True),
    # characters ---------------------------------------------------------------------------------------------
    Row("character create", "character create", "OK OK OK OK OK N/O -",
        runs("character create", {"name": "Hero", "voice": "claire"}), created_effect, scope_ok=True),
    Row("character create voice:<the owner's clone>", "character create", f"OK {UV} {UV} {UV} {UV} N/O -",
        runs("character create", {"name": "Hero", "voice": "ownerclone"}), created_effect, owner_has_clone,
        scope_ok=True),
    Row("character list", "character list", "OK OK OK OK OK N/O -", runs("character list"), list_characters_effect,
        owner_character),
    Row("character edit <the owner's character>", "character edit", f"OK {PD} OK {PD} {PD} N/O -",
        runs("character edit", {"name": "Kurisu", "speed": 1.5}), character_edited, owner_character, scope_ok=True),
    Row("character delete <the owner's character>", "character delete", f"OK {PD} OK {PD} {PD} N/O -",
        runs("character delete", {"name": "Kurisu"}), character_deleted, owner_character, scope_ok=True),
    Row("character speak <the owner's character, a preset>", "character speak", "OK OK OK OK OK N/O -",
        runs("character speak", {"name": "Kurisu", "text": "hello"}), character_spoke, owner_character),
    Row("character speak <the owner's character, the owner's unshared clone>", "character speak",
        "OK NO:voice_not_shared NO:voice_not_shared NO:voice_not_shared NO:voice_not_shared N/O -",
        runs("character speak", {"name": "Kurisu", "text": "hello"}), character_spoke, owner_clone_character),
    # talking characters (issue 12) ------------------------------------------------------------------------
    Row("character show <the owner's character>", "character show", "OK OK OK OK OK N/O -",
        runs("character show", {"name": "Kurisu"}), list_characters_effect, owner_character),
    Row("character persona <the owner's character>", "character persona", f"OK {PD} OK {PD} {PD} N/O -",
        runs("character persona", {"name": "Kurisu"}), persona_form_opened, owner_character),
    Row("talk (who talks here)", "talk", "OK OK OK OK OK N/O -", runs("talk"), talk_status_effect),
]

CELLS = [pytest.param(row, role, id=f"{row.label}|{role}") for row in ROWS
         for role, outcome in row.outcomes().items() if outcome.applies]


# --- running a cell ------------------------------------------------------------------------------------


def provider_state(sf: FakeSiliconFlow) -> tuple:
    return (len(sf.requests_for("upload")), len(sf.requests_for("delete")),
            sorted(v["uri"] for key in (OPERATOR_KEY, USER_KEY) for v in sf.voices(key)))


def offered_in_dms(bot: Any, command: str) -> bool:
    """Whether Discord would show ``command`` in a DM, from what the bot syncs."""
    root = bot.tree.get_command(command.split()[0]) or bot.tree.get_command(
        command, type=discord.AppCommandType.message)
    payload = root.to_dict(bot.tree)
    contexts = payload.get("contexts")
    if contexts is not None:
        return 1 in contexts
    return payload.get("dm_permission", True) is not False


def without(snap: dict, tables: tuple[str, ...]) -> dict:
    return {name: rows for name, rows in snap.items() if name not in tables}


async def run_cell(bot: Any, row: Row, role: str, wav: bytes) -> tuple[World, Outcome, list[str]]:
    outcome = row.outcomes()[role]
    await empty_store(bot.app)
    w = World.make(bot, role, row.placement)
    w.notes["wav"] = wav
    if outcome.kind == "N/O":
        assert not offered_in_dms(bot, row.command), f"/{row.command} is offered in DMs"
        return w, outcome, []
    ignore = ("usage",) if row.background_speech else ()
    try:
        if row.setup is not None:
            await row.setup(w)
        if role == "presser":
            assert row.press is not None and row.owner_effect is not None, f"{row.label}: no owner's button"
            inter, task, what = await row.press(w)
            before, provider = without(await snapshot(bot.app), ignore), provider_state(bot.sf)
            if isinstance(what, list):
                pressed = await w.press(inter, "", values=what)
            else:
                await w.prompt(inter)
                pressed = await w.press(inter, what)
            await w.fake.wait_for(lambda: w.fake.replies(pressed.token), 10)
            after = without(await snapshot(bot.app), ignore)
            texts = [c.content for c in w.fake.replies(pressed.token) if c.content]
            assert_unchanged(before, after)
            assert provider_state(bot.sf) == provider, "someone else's press reached the provider"
            assert_says(texts, outcome.key or "buttons_invoker_only", LOCALE[role])
            assert task is None or not task.done(), "someone else's press ended the owner's command"
            if isinstance(what, list):  # the owner's own choice still works
                owner_pick = await w.press(inter, "", values=what, role="owner")
                await w.fake.wait_for(lambda: w.fake.replies(owner_pick.token), 10)
            else:
                await w.press(inter, what, role="owner")
                await asyncio.wait_for(task, 30)
            await row.owner_effect(w)
            return w, outcome, texts

        before, provider = without(await snapshot(bot.app), ignore), provider_state(bot.sf)
        await row.act(w)
        after = without(await snapshot(bot.app), ignore)
        texts = w.texts()
        if outcome.kind == "OK":
            allowed = account_ids(before, "discord", w.me) | account_ids(after, "discord", w.me) | w.extra_owners
            if row.scope_ok:
                allowed.add(f"scope:{w.scope}")
            assert_only_touches(before, after, allowed)
            assert row.effect is not None
            await row.effect(w)
        elif outcome.kind == "NO":
            assert_unchanged(before, after)
            if not row.background_speech:
                assert provider_state(bot.sf) == provider, "a refused request reached the provider"
            assert_says(texts, outcome.key or "permission_denied", LOCALE[role])
            if row.refused_check is not None:
                await row.refused_check(w)
        else:  # pragma: no cover - the table only uses the kinds above
            raise AssertionError(f"no such outcome on Discord: {outcome}")
        return w, outcome, texts
    finally:
        await w.close()


#: What each refused cell said, for the language test (which runs the cell itself when run alone).
REFUSALS: dict[tuple[str, str], list[str]] = {}


@pytest.mark.parametrize(("row", "role"), CELLS)
async def test_matrix(bot: Any, wav: bytes, row: Row, role: str) -> None:
    _, outcome, texts = await run_cell(bot, row, role, wav)
    if outcome.kind == "NO":
        REFUSALS[row.label, role] = texts


DENIALS = [pytest.param(row, role, id=f"{row.label}|{role}") for row in ROWS
           for role, outcome in row.outcomes().items() if outcome.key == "permission_denied"]


@pytest.mark.parametrize(("row", "role"), DENIALS)
async def test_refusal_names_the_action_in_the_callers_language(bot: Any, wav: bytes, row: Row,
                                                                 role: str) -> None:
    """Not only "You don't have permission to …" but the action itself is in the caller's language."""
    texts = REFUSALS.get((row.label, role)) or (await run_cell(bot, row, role, wav))[2]
    action = assert_says(texts, "permission_denied", LOCALE[role])["action"]
    assert_action_localized(action, LOCALE[role])


async def test_every_command_is_in_the_matrix(bot: Any) -> None:
    registered = {c.qualified_name for c in bot.tree.walk_commands() if not isinstance(c, app_commands.Group)}
    for kind in (discord.AppCommandType.message, discord.AppCommandType.user):
        registered |= {c.name for c in bot.tree.get_commands(type=kind)}
    assert_matrix_covers(registered, {r.command for r in ROWS}, "the Discord bot (bots.discord.bot.COGS)")
    for row in ROWS:
        assert len(row.outcomes()) == len(ROLES)
