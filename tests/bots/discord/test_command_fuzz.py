"""Issue 9: property-based fuzzing of every Discord app command, through the real bot.

Every slash command and subcommand the bot's cogs declare (read from the cog classes, checked against the
bot's own command tree as the authorization matrix does) gets arbitrary option values of its declared types:
strings within and beyond their declared lengths (up to Discord's 6000), numbers inside and outside their
ranges (and integral JSON numbers), booleans, members and roles (the invoker, another member, a bot, someone
who left; ``@everyone``, a managed role), attachments of every kind (speech, silence, noise, a PDF, nothing
at the URL, a declared size of 0 or 1 TB), and missing optional options — from a fresh member (or a Manage
Server one, or a DM where Discord offers the command) in a fresh server, sometimes sitting in a voice channel
the bot has joined. A command that asks for confirmation is answered with Confirm, Cancel, a stranger's press
or a garbage press. Autocomplete gets arbitrary input for every option that has it, the message menu's
*Read aloud* arbitrary messages, and views arbitrary component ``custom_id``s and select values.

Properties, checked after every example on the requests the bot made to the fake Discord:

* it never answers with the internal-error sentence (``core.i18n`` key ``internal``, in any language);
* it logs no ERROR record (an unexpected exception in a command, a view, an autocomplete or a task);
* every message is one Discord accepts: content ≤ 2000 characters, a new message not empty, embeds and
  components within Discord's limits; an autocomplete answers with ≤ 25 choices of 1–100 characters;
* every command is answered (a response, and the deferred "thinking…" replaced; an error sentence counts),
  and every autocomplete gets its choices;
* the bot keeps working: after each example ``/help`` from the same member in the same place is answered.

One bot (every cog, the voice side on a fake connector, the real App on SQLite and the fake SiliconFlow)
serves the whole module; each example has its own member and server, so Hypothesis can shrink a failure to
its smallest input. Inputs that once found a bug stay as ``@example``\\ s (:data:`CORPUS`). Commands without
options (whose only inputs are who, where and in which language) run fewer examples (:data:`EXAMPLES`).

Choice options get their declared choices; values outside them (an outdated client, a hand-made
interaction) have their own test, :func:`test_choice_options_outside_their_choices`.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import discord
import pytest
import pytest_asyncio
from discord import app_commands
from discord.ext import commands
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bots.discord.bot import COGS
from core import audio
from tests.bots.discord.voice_guild import fresh_ids, role_payload, running_bot, voice_channel, voice_state
from tests.bots.fuzzing import (
    FILLERS,
    FUZZ,
    PIECES,
    SPACES,
    WORDS,
    any_text,
    argument_text,
    as_received,
    describe_records,
    error_records,
    pad_to,
    printable,
    says_internal_error,
    token,
    words_from,
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
    snowflake,
    user_payload,
)
from tests.fakes.siliconflow import FakeSiliconFlow, sample_wav

pytestmark = pytest.mark.asyncio(loop_scope="module")

CONTENT_LIMIT = 2000
#: Discord's longest string option value.
OPTION_STRING_LIMIT = 6000
LOCALES = ("en-US", "zh-CN", "ja", "en-GB", "zh-TW", "ko", "pt-BR", "de")
#: How long one command (or press) may take before the example fails as hung.
STEP_TIMEOUT = 20.0

fresh_id = fresh_ids(620_000_000_000_000_000)


# --- what the bot declares ------------------------------------------------------------------------------


def _leaf_commands(command: Any) -> list[app_commands.Command]:
    if isinstance(command, app_commands.Group):
        return [c for c in command.walk_commands() if isinstance(c, app_commands.Command)]
    return [command] if isinstance(command, app_commands.Command) else []


def declared_commands() -> dict[str, app_commands.Command]:
    """Every slash command and subcommand the cogs in :data:`bots.discord.bot.COGS` declare, by qualified name."""
    out: dict[str, app_commands.Command] = {}
    for module_name in COGS:
        module = importlib.import_module(module_name)
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, commands.Cog) and obj.__module__ == module.__name__:
                for command in obj.__cog_app_commands__:
                    for leaf in _leaf_commands(command):
                        out[leaf.qualified_name] = leaf
    return out


DECLARED = declared_commands()
COMMANDS = sorted(DECLARED)
#: The message menu entries (context menus are made when the cog is, so they are fuzzed by name).
MENUS = ("Read aloud",)


def guild_only(command: app_commands.Command) -> bool:
    root = command.root_parent or command
    return bool(getattr(root, "guild_only", False) or getattr(command, "guild_only", False))


# --- option values ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """A member or role option, resolved when the interaction is built."""

    kind: str  # member: me | other | bot | gone; role: everyone | plain | managed | unknown
    target: str


@dataclass(frozen=True)
class Upload:
    """An attachment option: what the message says about the file, and what the CDN serves."""

    filename: str
    content_type: str | None
    size: str  # actual | 0 | 1 | big | huge
    body: str  # speech | silence | noise | pdf | ogg_cut | missing


def _string_values(param: app_commands.Parameter, own: list[str]) -> st.SearchStrategy[str]:
    low = int(param.min_value or 0)
    high = int(param.max_value or 100)
    base = argument_text(words_from(own, own, WORDS) if own else words_from(WORDS), max_tokens=4)

    @st.composite
    def values(draw: st.DrawFn) -> str:
        text = draw(st.one_of(base, token, st.sampled_from(own or WORDS)))
        mode = draw(st.integers(0, 9))  # (the shrinker goes to 0: as drawn)
        filler = draw(st.sampled_from(FILLERS))
        if mode == 7:
            text = pad_to(text, high, filler)  # exactly the longest allowed
        elif mode == 8:
            text = pad_to(text, high + draw(st.integers(1, 20)), filler)  # just beyond it
        elif mode == 9:
            text = pad_to(text, OPTION_STRING_LIMIT, filler)  # Discord's own maximum
        if len(text) < low and draw(st.booleans()):
            text = pad_to(text, low, filler)
        return text

    return values()


def _number_values(param: app_commands.Parameter) -> st.SearchStrategy[Any]:
    low = param.min_value if param.min_value is not None else -1e6
    high = param.max_value if param.max_value is not None else 1e6
    edges = [low, high, low - 0.001, high + 0.001, low - 1, high + 1, 0, 0.0, -0.0, 1, -1, 1e308, -1e308,
             5e-324, 2.0 ** 53, -(2.0 ** 53), 9007199254740993, int(high) + 1, int(low) - 1]
    inside = st.floats(min_value=float(low), max_value=float(high))
    return st.one_of(inside, st.sampled_from(edges), st.floats(allow_nan=False, allow_infinity=False),
                     st.integers(min_value=-(2 ** 53), max_value=2 ** 53))


def _option_values(param: app_commands.Parameter, own: list[str]) -> st.SearchStrategy[Any]:
    kind = param.type
    if param.choices:
        return st.sampled_from([c.value for c in param.choices])
    if kind is discord.AppCommandOptionType.string:
        return _string_values(param, own)
    if kind is discord.AppCommandOptionType.number:
        return _number_values(param)
    if kind is discord.AppCommandOptionType.integer:
        return _number_values(param).map(lambda v: int(v) if abs(v) < 2 ** 63 else 0)
    if kind is discord.AppCommandOptionType.boolean:
        return st.booleans()
    if kind is discord.AppCommandOptionType.user:
        return st.builds(Ref, kind=st.just("member"), target=st.sampled_from(["me", "other", "bot", "gone"]))
    if kind is discord.AppCommandOptionType.role:
        return st.builds(Ref, kind=st.just("role"), target=st.sampled_from(["everyone", "plain", "managed"]))
    if kind is discord.AppCommandOptionType.attachment:
        return st.builds(
            Upload,
            filename=st.one_of(st.sampled_from(["voice.ogg", "clip.mp3", "a.wav", "x.pdf", "noext", ".ogg",
                                                "voice-message.ogg", "a" * 200 + ".ogg", "`x`.m4a", "名前.ogg"]),
                               token.map(lambda s: (s or "f")[:100])),
            content_type=st.sampled_from(["audio/ogg", "audio/mpeg", "audio/wav", "video/mp4", "application/pdf",
                                          "application/octet-stream", "text/plain", None, "audio/ogg; codecs=opus",
                                          "AUDIO/OGG", ""]),
            size=st.sampled_from(["actual", "actual", "0", "1", "big", "huge"]),
            body=st.sampled_from(["speech", "speech", "wav", "silence", "noise", "pdf", "ogg_cut", "missing"]))
    raise AssertionError(f"no strategy for options of type {kind!r} ({param.name})")


#: Each command's own words (presets, subcommand values, codes): mixed into its string options.
OWN_WORDS: dict[str, list[str]] = {
    "voice": ["alex", "anna", "david", "clone:1", "speech:x", "FunAudioLLM/CosyVoice2-0.5B:alex", "kurisu"],
    "delete_voice": ["kurisu", "alex"], "share_voice": ["kurisu", "alex"],
    "speak": ["hello", "你好", "<@123456789012345678>", "<#1>", "||s||", "```py\nx\n```", "<|endofprompt|>"],
    "style": ["off", "none", "happy", "开心", "粤语", "whisper", "reset", "四川话"],
    "key": ["clear", "off", "none", "sk-test-user", "sk-test-operator", "sk-", "sk-" + "x" * 60, " clear "],
    "clone": ["kurisu", "Kurisu M", "alex", "x" * 33], "link": ["ABCDEFGH", "abcd-efgh", "00000000", "ABCD EFGH"],
    "pronounce set": ["gif", "jif", "New York", "="], "pronounce remove": ["gif", "New York"],
    "autoread on": ["narrator", "bob"], "voiceconfig skip_prefix": ["-", "none", "off", "!", " ", "//"],
    "character create": ["narrator", "alex", "anna", "happy", "开心", "kurisu"],
    "character speak": ["narrator", "hello"], "character edit": ["narrator", "off", "none", "alex"],
    "character delete": ["narrator"],
}


@dataclass(frozen=True)
class Case:
    """One slash command: its options and who uses it where, and what happens to a confirmation prompt."""

    command: str
    options: tuple[tuple[str, Any], ...] = ()
    dm: bool = False
    manager: bool = False
    in_voice: bool = False  # the invoker sits in the server's voice channel
    bot_in_voice: bool = False  # the bot has joined it first
    locale: str = "en-US"
    then: str = "cancel"  # a confirmation prompt: cancel | confirm | stranger (presses confirm) | garbage

    @property
    def options_dict(self) -> dict[str, Any]:
        return dict(self.options)


@st.composite
def command_cases(draw: st.DrawFn, name: str) -> Case:
    command = DECLARED[name]
    own = OWN_WORDS.get(name, [])
    options: list[tuple[str, Any]] = []
    for param in command.parameters:
        if not param.required and draw(st.booleans()):
            continue  # a missing optional option
        options.append((param.name, draw(_option_values(param, own))))
    dm = not guild_only(command) and draw(st.integers(0, 4)) == 4
    return Case(command=name, options=tuple(options), dm=dm, manager=draw(st.booleans()),
                in_voice=draw(st.booleans()), bot_in_voice=draw(st.integers(0, 2)) == 2,
                locale=draw(st.sampled_from(LOCALES)),
                then=draw(st.sampled_from(["cancel", "confirm", "stranger", "garbage"])))


# --- what Discord accepts ---------------------------------------------------------------------------------


def embed_problems(embed: dict[str, Any]) -> list[str]:
    out = []
    total = 0
    for key, limit in (("title", 256), ("description", 4096)):
        value = embed.get(key) or ""
        total += len(value)
        if len(value) > limit:
            out.append(f"embed {key} of {len(value)} characters (limit {limit})")
    fields = embed.get("fields") or []
    if len(fields) > 25:
        out.append(f"{len(fields)} embed fields (limit 25)")
    for f in fields:
        name, value = str(f.get("name") or ""), str(f.get("value") or "")
        total += len(name) + len(value)
        if not name.strip() or len(name) > 256:
            out.append(f"embed field name {name!r} ({len(name)} characters; 1–256)")
        if not value.strip() or len(value) > 1024:
            out.append(f"embed field value of {len(value)} characters (1–1024): {printable(value, 120)}")
    footer = (embed.get("footer") or {}).get("text") or ""
    author = (embed.get("author") or {}).get("name") or ""
    total += len(footer) + len(author)
    if len(footer) > 2048:
        out.append(f"embed footer of {len(footer)} characters (limit 2048)")
    if len(author) > 256:
        out.append(f"embed author of {len(author)} characters (limit 256)")
    if total > 6000:
        out.append(f"embed of {total} characters in all (limit 6000)")
    return out


def component_problems(components: list[dict[str, Any]]) -> list[str]:
    out = []
    if len(components) > 5:
        out.append(f"{len(components)} action rows (limit 5)")
    for row in components:
        for c in row.get("components") or []:
            custom_id = c.get("custom_id")
            if custom_id is not None and not 1 <= len(custom_id) <= 100:
                out.append(f"custom_id of {len(custom_id)} characters")
            if c.get("type") == 2 and len(c.get("label") or "") > 80:
                out.append(f"button label of {len(c['label'])} characters (limit 80)")
            if c.get("type") == 3:
                options = c.get("options") or []
                if not 1 <= len(options) <= 25:
                    out.append(f"select menu with {len(options)} options (1–25)")
                if len(c.get("placeholder") or "") > 150:
                    out.append("select placeholder over 150 characters")
                values = [o.get("value") for o in options]
                if len(set(values)) != len(values):
                    out.append(f"select options with the same value: {values}")
                for o in options:
                    for key, low in (("label", 1), ("value", 1), ("description", 0)):
                        text = o.get(key)
                        if text is not None and not low <= len(text) <= 100:
                            out.append(f"select option {key} of {len(text)} characters ({low}–100): {text!r}")
    return out


def message_problems(message: dict[str, Any], *, new: bool, files: int = 0) -> list[str]:
    out = []
    content = message.get("content")
    if content is not None and len(content) > CONTENT_LIMIT:
        out.append(f"content of {len(content)} characters (limit {CONTENT_LIMIT})")
    embeds = message.get("embeds") or []
    if len(embeds) > 10:
        out.append(f"{len(embeds)} embeds (limit 10)")
    for embed in embeds:
        out += embed_problems(embed)
    out += component_problems(message.get("components") or [])
    has_files = files or message.get("attachments")
    if new and not (content or embeds or has_files or message.get("components") or message.get("sticker_ids")
                    or message.get("poll")):
        out.append("an empty message (Discord: Cannot send an empty message)")
    return out


def choice_problems(choices: list[dict[str, Any]]) -> list[str]:
    out = []
    if len(choices) > 25:
        out.append(f"{len(choices)} autocomplete choices (limit 25)")
    for c in choices:
        name, value = c.get("name"), c.get("value")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            out.append(f"choice name {name!r} ({len(name or '')} characters; 1–100)")
        if isinstance(value, str) and len(value) > 100:
            out.append(f"choice value of {len(value)} characters (limit 100)")
    return out


def call_problems(call: Call) -> list[str]:
    """Why Discord would refuse what this request sent (or, for a callback, what it answered)."""
    if call.kind == "cdn" or call.method not in ("POST", "PATCH"):
        return []
    path = call.path
    if path.endswith("/callback"):
        rtype = call.callback_type
        if rtype == 8:
            return choice_problems((call.payload.get("data") or {}).get("choices") or [])
        if rtype in (4, 7):
            return message_problems(call.message, new=rtype == 4, files=len(call.files))
        return []
    if path.endswith(("/messages/@original", "/messages/{message_id}")):
        return message_problems(call.payload, new=False, files=len(call.files))
    if path in ("/webhooks/{webhook_id}/{webhook_token}", "/channels/{channel_id}/messages"):
        return message_problems(call.payload, new=True, files=len(call.files))
    return []


def texts_of(call: Call) -> list[str]:
    message = call.message if call.path.endswith("/callback") else call.payload
    out = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        out += [embed.get("title") or "", embed.get("description") or ""]
        out += [str(f.get("value") or "") for f in embed.get("fields") or []]
    return out


# --- the bot, once per module -----------------------------------------------------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(tmp_path_factory: pytest.TempPathFactory, sf: FakeSiliconFlow) -> AsyncIterator[Any]:
    async with running_bot(tmp_path_factory.mktemp("dc-fuzz"), sf, delay=0.002) as instance:
        wav = sample_wav(8.0)  # 16 kHz speech-like audio; its PCM after the 44-byte header
        speech = audio.encode_sync(wav[44:], 16000, "ogg").data
        instance.bodies = {  # what the CDN serves for an attachment, by kind
            "speech": speech, "silence": audio.encode_sync(bytes(len(wav) - 44), 16000, "ogg").data,
            "noise": bytes(range(256)) * 64, "pdf": b"%PDF-1.7\n" + b"0" * 2000, "ogg_cut": speech[:3000],
            "wav": wav,
        }
        yield instance


# --- one example ------------------------------------------------------------------------------------------


@dataclass
class Place:
    """A fresh server for one example: its channels, the invoker, another member, a bot member."""

    bot: Any
    guild_id: int
    text: int
    voice: int
    dm_channel: int
    me: int
    other: int
    robot: int
    plain_role: int
    managed_role: int
    case: Case
    tasks: list[asyncio.Task] = field(default_factory=list)

    @classmethod
    async def make(cls, bot: Any, case: Case) -> Place:
        guild_id, text, voice = fresh_id(), fresh_id(), fresh_id()
        me, other, robot, plain_role, managed_role = fresh_id(), fresh_id(), fresh_id(), fresh_id(), fresh_id()
        perms = MANAGER_PERMISSIONS if case.manager else MEMBER_PERMISSIONS
        members = [member_payload(me, permissions=perms, name=f"me{me % 1000}"),
                   member_payload(other, name=f"other{other % 1000}", roles=[plain_role])]
        robot_member = member_payload(robot, name="robot")
        robot_member["user"]["bot"] = True
        members.append(robot_member)
        in_voice = [other] + ([me] if case.in_voice else [])
        roles = [role_payload(guild_id, "@everyone", position=0), role_payload(plain_role, "plain"),
                 role_payload(managed_role, "managed", managed=True)]
        roles[0]["permissions"] = str(MEMBER_PERMISSIONS.value)
        add_guild(bot, guild_id, channels=[channel_payload(text, guild_id), voice_channel(voice, guild_id)],
                  members=members, voice_states=[voice_state(u, voice) for u in in_voice], roles=roles)
        place = cls(bot=bot, guild_id=guild_id, text=text, voice=voice, dm_channel=fresh_id(), me=me, other=other,
                    robot=robot, plain_role=plain_role, managed_role=managed_role, case=case)
        if case.bot_in_voice and not case.dm:
            guild = bot.get_guild(guild_id)
            await bot.voice_manager.join(guild.get_channel(voice), requester=guild.get_member(other))
        return place

    @property
    def fake(self):
        return self.bot.fake

    @property
    def guild(self) -> int | None:
        return None if self.case.dm else self.guild_id

    @property
    def channel(self) -> int:
        return self.dm_channel if self.case.dm else self.text

    def value(self, raw: Any, resolved: dict[str, Any]) -> Any:
        """An option value as Discord sends it (members and roles resolved, attachments served)."""
        if isinstance(raw, Ref):
            if raw.kind == "member":
                uid = {"me": self.me, "other": self.other, "bot": self.robot, "gone": fresh_id()}[raw.target]
                member = member_payload(uid, name=f"m{uid % 1000}")
                user = member.pop("user")
                user["bot"] = raw.target == "bot"
                resolved.setdefault("users", {})[str(uid)] = user
                if raw.target != "gone" and not self.case.dm:
                    resolved.setdefault("members", {})[str(uid)] = member
                return str(uid)
            rid = {"everyone": self.guild_id, "plain": self.plain_role, "managed": self.managed_role}[raw.target]
            resolved.setdefault("roles", {})[str(rid)] = role_payload(
                rid, raw.target, managed=raw.target == "managed", position=0 if raw.target == "everyone" else 1)
            return str(rid)
        if isinstance(raw, Upload):
            body = self.bot.bodies.get(raw.body, b"")
            size = {"actual": len(body), "0": 0, "1": 1, "big": 20 * 1024 * 1024 + 1, "huge": 2 ** 40}[raw.size]
            attachment = attachment_payload(filename=raw.filename or "file", size=size,
                                            content_type=raw.content_type or None)
            if raw.body != "missing":
                self.fake.add_file(attachment["url"], body)
            return attachment
        if isinstance(raw, str):
            return as_received(raw)
        return raw

    def interaction(self, name: str, options: dict[str, Any], *, focused: str | None = None) -> discord.Interaction:
        resolved: dict[str, Any] = {}
        values = {k: self.value(v, resolved) for k, v in options.items()}
        return make_interaction(self.bot, name, values, guild_id=self.guild, channel_id=self.channel, user_id=self.me,
                                permissions=MANAGER_PERMISSIONS if self.case.manager else MEMBER_PERMISSIONS,
                                locale=self.case.locale, resolved=resolved or None, focused=focused,
                                user_name=f"me{self.me % 1000}")

    async def close(self) -> None:
        for task in self.tasks:
            if not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        if not self.case.dm:
            await self.bot.voice_manager.leave(self.guild_id)


def prompt_ids(fake: Any, token: str) -> list[str]:
    """The custom_ids on the latest answer to the interaction ``token`` (its confirmation prompt)."""
    for call in reversed(fake.replies(token)):
        ids = call.custom_ids()
        if ids:
            return ids
    return []


async def until(fake: Any, done: Any, task: asyncio.Task | None = None, timeout: float = STEP_TIMEOUT) -> None:
    """Wait until ``done()`` holds, checking after each request the bot makes and when ``task`` ends."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not done():
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError(f"timed out after {timeout} s; calls: {fake.calls}")
        fake.changed.clear()
        waiter = asyncio.ensure_future(fake.changed.wait())
        try:
            await asyncio.wait({waiter} | ({task} if task is not None else set()), timeout=remaining,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()


async def settle(before: set[asyncio.Task], timeout: float = STEP_TIMEOUT) -> None:
    """Wait for the tasks started since ``before`` (a view's callbacks) to finish."""
    current = asyncio.current_task()
    new = {t for t in asyncio.all_tasks() if t not in before and t is not current and not t.done()}
    # a view's own timeout task runs for minutes: only wait for the callbacks
    new = {t for t in new if "timeout" not in (t.get_name() or "").lower()}
    if new:
        await asyncio.wait(new, timeout=timeout)


async def press(place: Place, inter: discord.Interaction, custom_id: str, *, user_id: int | None = None,
                component_type: int = 2, values: list[str] | None = None) -> discord.Interaction:
    bot = place.bot
    pressed = make_component_interaction(
        bot, custom_id, message_id=bot.fake._originals.get(inter.token) or snowflake(), guild_id=place.guild,
        channel_id=place.channel, user_id=user_id or place.me, locale=place.case.locale,
        component_type=component_type, values=values,
        permissions=MANAGER_PERMISSIONS if place.case.manager else MEMBER_PERMISSIONS)
    before = asyncio.all_tasks()
    bot._connection._view_store.dispatch_view(component_type, custom_id, pressed)
    await asyncio.sleep(0)
    await settle(before)
    return pressed


async def run_command(place: Place, name: str, options: dict[str, Any], then: str) -> list[discord.Interaction]:
    """Invoke ``name``; answer a confirmation prompt as ``then`` says; wait until the command is over."""
    fake = place.fake
    inter = place.interaction(name, options)
    task = asyncio.create_task(invoke(place.bot, inter))
    place.tasks.append(task)
    await until(fake, lambda: task.done() or prompt_ids(fake, inter.token), task)
    interactions = [inter]
    if not task.done():
        ids = prompt_ids(fake, inter.token)
        confirm = next((i for i in ids if i.startswith("vb:confirm:")), None)
        cancel = next((i for i in ids if i.startswith("vb:cancel:")), None)
        if then == "confirm" and confirm:
            interactions.append(await press(place, inter, confirm))
        elif then == "stranger" and confirm:
            interactions.append(await press(place, inter, confirm, user_id=place.other))
        elif then == "garbage":
            interactions.append(await press(place, inter, f"vb:confirm:{'0' * 12}"))
        if not task.done() and cancel:
            interactions.append(await press(place, inter, cancel))
        await asyncio.wait_for(asyncio.shield(task), STEP_TIMEOUT)
    await task
    return interactions


def check_calls(bot: Any, first_call: int, context: str) -> None:
    problems = []
    for call in bot.fake.calls[first_call:]:
        problems += [f"{call.method} {call.path}: {p}" for p in call_problems(call)]
        if call.kind != "cdn" and call.method in ("POST", "PATCH"):
            for text in texts_of(call):
                if says_internal_error(text):
                    problems.append(f"{call.method} {call.path} answered with the internal-error sentence: "
                                    f"{printable(text)}")
    assert not problems, f"{context}:\n" + "\n".join(problems)


def check_answered(bot: Any, inter: discord.Interaction, context: str) -> None:
    """The interaction got a response, and a deferred "thinking…" was replaced by an answer."""
    calls = [c for c in bot.fake.interaction_calls(inter.token) if c.status < 300]
    callbacks = [c for c in calls if c.path.endswith("/callback")]
    assert callbacks, f"{context}: never answered (Discord: 'The application did not respond'); calls: {calls}"
    if callbacks[0].callback_type == 5:
        later = [c for c in calls if not c.path.endswith("/callback") and c.method in ("PATCH", "POST")]
        assert later, f"{context}: deferred ('thinking…') and never answered; calls: {calls}"


def check_logs(caplog: pytest.LogCaptureFixture, first_record: int, context: str) -> None:
    errors = error_records(caplog.records[first_record:])
    assert not errors, f"{context}: ERROR logged:\n{describe_records(errors)}"


async def check_alive(place: Place) -> None:
    """``/help`` from the same member in the same place is answered with the help card."""
    inter = place.interaction("help", {})
    await asyncio.wait_for(invoke(place.bot, inter), STEP_TIMEOUT)
    replies = place.fake.replies(inter.token)
    assert replies and replies[-1].embeds, (
        f"/help was not answered afterwards: {place.fake.interaction_calls(inter.token)}")


async def run_case(bot: Any, caplog: pytest.LogCaptureFixture, case: Case) -> None:
    place = await Place.make(bot, case)
    bot.fake.calls.clear()  # (each example checks its own requests; lookups by token stay quick)
    first_call, first_record = 0, len(caplog.records)
    context = f"{printable(case, 1500)} (member {place.me}, server {place.guild_id})"
    try:
        interactions = await run_command(place, case.command, case.options_dict, case.then)
        check_calls(bot, first_call, context)
        check_answered(bot, interactions[0], context)
        check_logs(caplog, first_record, context)
        await check_alive(place)
        check_logs(caplog, first_record, context + " (then /help)")
    finally:
        await place.close()


# --- autocomplete, the message menu, components -----------------------------------------------------------


AUTOCOMPLETED = sorted((name, p.name) for name, c in DECLARED.items() for p in c.parameters if p.autocomplete)


@dataclass(frozen=True)
class Typing:
    """An autocomplete: what was typed in ``focused`` and the other options filled so far."""

    command: str
    focused: str
    typed: str
    options: tuple[tuple[str, Any], ...] = ()
    dm: bool = False
    manager: bool = False
    locale: str = "en-US"


@st.composite
def typing_cases(draw: st.DrawFn, name: str, focused: str) -> Typing:
    command = DECLARED[name]
    own = OWN_WORDS.get(name, [])
    others: list[tuple[str, Any]] = []
    for param in command.parameters:
        if param.name != focused and param.type is not discord.AppCommandOptionType.attachment \
                and draw(st.booleans()):
            others.append((param.name, draw(_option_values(param, own))))
    typed = draw(st.one_of(_string_values(next(p for p in command.parameters if p.name == focused), own),
                           st.just(""), st.sampled_from(SPACES)))
    return Typing(command=name, focused=focused, typed=typed, options=tuple(others),
                  dm=not guild_only(command) and draw(st.integers(0, 4)) == 4, manager=draw(st.booleans()),
                  locale=draw(st.sampled_from(LOCALES)))


async def run_typing(bot: Any, caplog: pytest.LogCaptureFixture, typing: Typing) -> None:
    case = Case(command=typing.command, dm=typing.dm, manager=typing.manager, locale=typing.locale)
    place = await Place.make(bot, case)
    bot.fake.calls.clear()  # (each example checks its own requests; lookups by token stay quick)
    first_call, first_record = 0, len(caplog.records)
    context = f"{printable(typing, 1500)} (member {place.me}, server {place.guild_id})"
    try:
        # Something for the choices to offer: a character in this server and a pronunciation of the member's.
        if not typing.dm:
            await bot.service.create_character(_ref(place), "narrator")
        await bot.service.set_pronunciation(_ref(place), "gif", "jif", server=False, is_admin=False)
        options = {**dict(typing.options), typing.focused: typing.typed}
        inter = place.interaction(typing.command, options, focused=typing.focused)
        await asyncio.wait_for(invoke(bot, inter), STEP_TIMEOUT)
        check_calls(bot, first_call, context)
        answers = [c for c in bot.fake.interaction_calls(inter.token) if c.callback_type == 8]
        assert answers, f"{context}: the autocomplete was never answered (Discord: 'Loading options failed')"
        check_logs(caplog, first_record, context)
    finally:
        await place.close()


def _ref(place: Place):
    from core.models import UserRef

    return UserRef(platform="discord", user_id=str(place.me), scope_id=str(place.guild_id), is_private=False)


@dataclass(frozen=True)
class Reading:
    """*Read aloud* on a message."""

    content: str
    author: str = "other"  # other | me | bot | webhook
    mentions: bool = False
    dm: bool = False
    in_voice: bool = False
    bot_in_voice: bool = False
    locale: str = "en-US"


async def run_reading(bot: Any, caplog: pytest.LogCaptureFixture, reading: Reading) -> None:
    case = Case(command="Read aloud", dm=reading.dm, in_voice=reading.in_voice, bot_in_voice=reading.bot_in_voice,
                locale=reading.locale)
    place = await Place.make(bot, case)
    bot.fake.calls.clear()  # (each example checks its own requests; lookups by token stay quick)
    first_call, first_record = 0, len(caplog.records)
    context = f"{printable(reading, 1500)} (member {place.me}, server {place.guild_id})"
    try:
        author_id = {"other": place.other, "me": place.me, "bot": place.robot, "webhook": fresh_id()}[reading.author]
        author = user_payload(author_id, f"a{author_id % 1000}", bot=reading.author in ("bot", "webhook"))
        target = message_payload(channel_id=place.channel, content=as_received(reading.content), author=author,
                                 guild_id=place.guild)
        if reading.mentions:
            target["mentions"] = [user_payload(place.other, "other"), user_payload(fresh_id(), "gone")]
        inter = make_interaction(bot, "Read aloud", guild_id=place.guild, channel_id=place.channel, user_id=place.me,
                                 permissions=MEMBER_PERMISSIONS, locale=reading.locale, target_message=target)
        await asyncio.wait_for(invoke(bot, inter), STEP_TIMEOUT)
        check_calls(bot, first_call, context)
        check_answered(bot, inter, context)
        check_logs(caplog, first_record, context)
        await check_alive(place)
    finally:
        await place.close()


@dataclass(frozen=True)
class Presses:
    """Component interactions on a view the bot shows (``/voices``' picker, ``/forget``'s confirmation)."""

    view: str  # voices | forget
    presses: tuple[tuple[str, str, tuple[str, ...]], ...]  # (custom_id or "REAL", who: me|other, select values)
    locale: str = "en-US"


async def run_presses(bot: Any, caplog: pytest.LogCaptureFixture, presses: Presses) -> None:
    case = Case(command=presses.view, locale=presses.locale)
    place = await Place.make(bot, case)
    bot.fake.calls.clear()  # (each example checks its own requests; lookups by token stay quick)
    first_call, first_record = 0, len(caplog.records)
    context = f"{printable(presses, 1500)} (member {place.me}, server {place.guild_id})"
    try:
        inter = place.interaction(presses.view, {})
        task = asyncio.create_task(invoke(bot, inter))
        place.tasks.append(task)
        await until(bot.fake, lambda: task.done() or prompt_ids(bot.fake, inter.token), task)
        real = prompt_ids(bot.fake, inter.token)
        for custom_id, who, values in presses.presses:
            if custom_id == "REAL":
                custom_id = real[0]
            elif custom_id == "REAL_LAST":
                custom_id = real[-1]
            select = presses.view == "voices" and custom_id in real
            await press(place, inter, as_received(custom_id), user_id=place.other if who == "other" else place.me,
                        component_type=3 if select else 2,
                        values=[as_received(v) for v in values] if select else None)
        cancel = next((i for i in real if i.startswith("vb:cancel:")), None)
        if not task.done() and cancel:
            await press(place, inter, cancel)
        await asyncio.wait_for(asyncio.shield(task), STEP_TIMEOUT)
        check_calls(bot, first_call, context)
        check_logs(caplog, first_record, context)
        await check_alive(place)
    finally:
        await place.close()


# --- the corpus: inputs that found bugs -------------------------------------------------------------------

#: A lone surrogate, as the JSON escape ``"\\ud800"`` decodes.
LONE = "\ud800"
#: command → Cases that found a bug (kept as @example on that command's test; the shrunk inputs).
#: Two bugs: a lone surrogate reaching the SQLite store unchanged (UnicodeEncodeError), and a member option
#: naming a user who is not a member (discord.py's TransformerError) — both answered with the internal-error
#: sentence and logged as unexpected.
CORPUS: dict[str, list[Case]] = {
    "voice": [Case("voice", (("name", LONE),))],  # store.get_voice
    "share_voice": [Case("share_voice", (("name", LONE), ("shared", False)))],  # store.set_voice_shared
    "link": [Case("link", (("code", LONE),))],  # store.peek_link_code
    "character create": [Case("character create", (("name", "0"), ("voice", LONE)))],  # store.get_voice
    "character delete": [Case("character delete", (("name", LONE),))],  # the character lookup
    "character edit": [Case("character edit", (("name", LONE), ("voice", "0")))],
    "character speak": [Case("character speak", (("name", LONE), ("text", "0")))],
    "voiceconfig skip_prefix": [Case("voiceconfig skip_prefix", (("prefix", LONE),), manager=True)],  # scope options
    "autoread mute": [Case("autoread mute", (("member", Ref("member", "gone")),))],  # TransformerError
    "autoread unmute": [Case("autoread unmute", (("member", Ref("member", "gone")),))],
}
#: How many examples each test runs: commands without options vary only in who uses them where.
EXAMPLES = {"options": 25, "no options": 8, "autocomplete": 12, "other": 25}


# --- the tests --------------------------------------------------------------------------------------------


async def test_every_command_is_fuzzed(bot: Any) -> None:
    """The bot's own command tree names no command (slash, subcommand or message menu) without a fuzz test,
    and every option type it declares has a strategy."""
    registered = {c.qualified_name for c in bot.tree.walk_commands() if not isinstance(c, app_commands.Group)}
    menus = set()
    for kind in (discord.AppCommandType.message, discord.AppCommandType.user):
        menus |= {c.name for c in bot.tree.get_commands(type=kind)}
    assert registered == set(COMMANDS), (f"commands without a fuzz test: {sorted(registered - set(COMMANDS))}; "
                                         f"fuzzed but not registered: {sorted(set(COMMANDS) - registered)}")
    assert menus == set(MENUS), f"message/user menu entries: {sorted(menus)}, fuzzed: {sorted(MENUS)}"
    for name in COMMANDS:
        for param in DECLARED[name].parameters:
            _option_values(param, [])  # raises for an option type without a strategy
    assert {name for name, _ in AUTOCOMPLETED} <= set(COMMANDS)


def _command_test(name: str):
    async def test(bot: Any, caplog: pytest.LogCaptureFixture, case: Case) -> None:
        await run_case(bot, caplog, case)

    test = given(case=command_cases(name))(test)
    for case in CORPUS.get(name, []):
        test = example(case=case)(test)
    count = EXAMPLES["options" if DECLARED[name].parameters else "no options"]
    test = settings(FUZZ, max_examples=count)(test)
    slug = name.replace(" ", "_")
    test.__name__ = test.__qualname__ = f"test_command_{slug}"
    test.__doc__ = f"``/{name}`` with arbitrary options: no internal error, no ERROR log, valid answers, alive."
    return test


for _name in COMMANDS:
    globals()[f"test_command_{_name.replace(' ', '_')}"] = _command_test(_name)


def _typing_test(name: str, focused: str):
    async def test(bot: Any, caplog: pytest.LogCaptureFixture, typing: Typing) -> None:
        await run_typing(bot, caplog, typing)

    test = settings(FUZZ, max_examples=EXAMPLES["autocomplete"])(given(typing=typing_cases(name, focused))(test))
    test.__name__ = test.__qualname__ = f"test_autocomplete_{name.replace(' ', '_')}_{focused}"
    test.__doc__ = f"Typing anything into ``/{name} {focused}``: valid choices, answered, no ERROR log."
    return test


for _name, _focused in AUTOCOMPLETED:
    globals()[f"test_autocomplete_{_name.replace(' ', '_')}_{_focused}"] = _typing_test(_name, _focused)


@settings(FUZZ, max_examples=EXAMPLES["other"])
@given(reading=st.builds(
    Reading, content=st.one_of(argument_text(words_from(OWN_WORDS["speak"], WORDS)), st.sampled_from(PIECES),
                               st.just(""), any_text.map(lambda s: pad_to(s, CONTENT_LIMIT, "語"))),
    author=st.sampled_from(["other", "me", "bot", "webhook"]), mentions=st.booleans(), dm=st.booleans(),
    in_voice=st.booleans(), bot_in_voice=st.booleans(), locale=st.sampled_from(LOCALES)))
async def test_menu_read_aloud(bot: Any, caplog: pytest.LogCaptureFixture, reading: Reading) -> None:
    """*Read aloud* on any message: no internal error, no ERROR log, valid answers, alive."""
    await run_reading(bot, caplog, reading)


_custom_ids = st.one_of(st.just("REAL"), st.just("REAL_LAST"), any_text.map(lambda s: s[:100] or "x"),
                        st.sampled_from(["vb:confirm:", "vb:cancel:", "vb:confirm:000000000000", "vb:", ":", "x" * 100,
                                         "\ud800"]))


@settings(FUZZ, max_examples=EXAMPLES["other"])
@given(presses=st.builds(
    Presses, view=st.sampled_from(["voices", "forget"]),
    presses=st.lists(st.tuples(_custom_ids, st.sampled_from(["me", "other"]),
                               st.lists(st.one_of(st.sampled_from(["alex", "anna", "kurisu", ""]), token),
                                        min_size=1, max_size=3).map(tuple)),
                     min_size=1, max_size=3).map(tuple),
    locale=st.sampled_from(LOCALES)))
async def test_components(bot: Any, caplog: pytest.LogCaptureFixture, presses: Presses) -> None:
    """Arbitrary custom_ids and select values on the bot's views, by the invoker or someone else."""
    await run_presses(bot, caplog, presses)


CHOICE_OPTIONS = sorted((name, p.name) for name, c in DECLARED.items() for p in c.parameters if p.choices)


@st.composite
def off_choice_cases(draw: st.DrawFn) -> Case:
    name, option = draw(st.sampled_from(CHOICE_OPTIONS))
    options = []
    for param in DECLARED[name].parameters:
        if param.name == option:
            choices = {c.value for c in param.choices}
            values = st.one_of(token, st.sampled_from(WORDS))
            options.append((option, draw(values.filter(lambda v, choices=choices: v not in choices))))
        elif param.required and param.type is not discord.AppCommandOptionType.attachment:
            options.append((param.name, draw(_option_values(param, OWN_WORDS.get(name, [])))))
    return Case(command=name, options=tuple(options), manager=True, locale=draw(st.sampled_from(LOCALES)))


@settings(FUZZ, max_examples=EXAMPLES["other"])
@example(case=Case("lang", (("language", "xx"),)))  # TransformerError: the internal-error sentence
@given(case=off_choice_cases())
async def test_choice_options_outside_their_choices(bot: Any, caplog: pytest.LogCaptureFixture, case: Case) -> None:
    """A choice option with a value that is not one of its choices (what a client with an outdated copy of the
    command, or a hand-made interaction, sends): answered like any wrong value, not as an internal error."""
    await run_case(bot, caplog, case)


async def test_still_answers_help(bot: Any, caplog: pytest.LogCaptureFixture) -> None:
    """After everything above, a new member's ``/help`` is answered."""
    place = await Place.make(bot, Case(command="help"))
    try:
        await check_alive(place)
    finally:
        await place.close()
    assert not error_records(caplog.records)


async def test_checker_knows_discord_limits() -> None:
    assert message_problems({"content": "x" * 2000}, new=True) == []
    assert message_problems({"content": "x" * 2001}, new=True)
    assert message_problems({"content": ""}, new=True)
    assert message_problems({"embeds": [{"fields": [{"name": "a", "value": ""}]}]}, new=True)
    assert choice_problems([{"name": "", "value": "x"}])
    assert choice_problems([{"name": "a", "value": "x"}] * 26)
