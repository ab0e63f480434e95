"""Issue 9: who may do what on Telegram — every command against every role, in one table.

Roles (columns):

* ``private``  — the user, in their private chat with the bot;
* ``member``   — a group member who is not an admin;
* ``admin``    — a group administrator;
* ``creator``  — the group's creator (``getChatMember`` status ``creator``);
* ``anon``     — a group admin posting anonymously (Telegram sends ``from`` = GroupAnonymousBot, a bot, and
  ``sender_chat`` = the group itself);
* ``channel``  — someone posting in the group as a channel (``from`` = Channel_Bot, ``sender_chat`` = the channel);
* ``reply``    — another member replying with the command to the message of someone else (an admin who has
  data of their own): the command acts on the replier only;
* ``presser``  — another member pressing the inline button of someone else's answer.

Each cell runs on one bot shared by the module (real PTB Application, fake Bot API, real App on SQLite and
the fake SiliconFlow) with fresh users and a fresh group, and checks the whole store before and after: an
allowed cell changes the caller's data only (or the group's, for group settings), a refused one changes
nothing and says so in the caller's language. The matrix must name every command handler and every button
kind the bot registers (:func:`test_every_command_and_button_is_in_the_matrix`).

Cells marked ``# judgment`` are where the code does not say what should happen; the expectation is what a
user of the best Telegram TTS bots would expect (see the row's comment).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import pytest_asyncio

from core.errors import LinkCodeInvalid
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
from tests.bots.telegram.conftest import Harness, handler_names, ogg_voice, running_bot
from tests.fakes.siliconflow import FakeSiliconFlow
from tests.fakes.siliconflow_fixtures import OPERATOR_KEY, USER_KEY
from tests.fakes.telegram import FakeTelegram, button_data, buttons

pytestmark = pytest.mark.asyncio(loop_scope="module")

ROLES = ("private", "member", "admin", "creator", "anon", "channel", "reply", "presser")
#: Each role's Telegram language: refusals must come in it (and never in the other party's).
LANG = {"private": "en", "member": "zh", "admin": "ja", "creator": "en", "anon": "en", "channel": "en",
        "reply": "ja", "presser": "zh"}
OWNER_LANG = "en"
GROUP_ANONYMOUS_BOT = 1087968824
CHANNEL_BOT = 136817688
SENDING = ("sendMessage", "sendVoice", "sendAudio", "sendDocument", "editMessageText")

_users = itertools.count(2_000_001)
_groups = itertools.count(1)


# --- the bot, once per module --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def voice_note() -> bytes:
    return ogg_voice(6.0)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def bot(tmp_path_factory: pytest.TempPathFactory, sf: FakeSiliconFlow,
              tg: FakeTelegram) -> AsyncIterator[Harness]:
    async with running_bot(tmp_path_factory.mktemp("tg-authz"), sf, tg) as harness:
        harness.creators = {}  # type: ignore[attr-defined]
        member_status = tg._m_getchatmember

        def get_chat_member(params: dict[str, Any], files: Any) -> dict[str, Any]:
            """The fake knows admins; a group's creator answers with status "creator", as Telegram does."""
            chat_id, user_id = params.get("chat_id"), params.get("user_id")
            if harness.creators.get(chat_id) == user_id:  # type: ignore[attr-defined]
                return {"status": "creator", "is_anonymous": False,
                        "user": {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}}
            return member_status(params, files)

        tg._m_getchatmember = get_chat_member  # type: ignore[method-assign]
        yield harness


# --- one cell's world ----------------------------------------------------------------------------------


def private_ref(user: int) -> UserRef:
    return UserRef(platform="telegram", user_id=str(user), is_private=True)


def group_ref(user: int, group: int) -> UserRef:
    return UserRef(platform="telegram", user_id=str(user), scope_id=str(group), is_private=False)


@dataclass(repr=False)
class World:
    """Fresh people and a fresh group for one cell. ``me`` acts in ``role``; ``owner`` is the other party
    (an admin of the group with data of their own, whose message is replied to or button pressed)."""

    h: Harness
    role: str
    group: int
    owner: int
    me: int
    lang: str
    target: dict[str, Any] | None = None  # the owner's message a ``reply`` answers
    mark: int = 0
    extra_owners: set[str] = field(default_factory=set)
    notes: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"World(role={self.role}, me={self.me}, owner={self.owner}, group={self.group})"

    @classmethod
    async def make(cls, h: Harness, role: str) -> World:
        group = -(1_000_000_000_000 + next(_groups))
        owner = next(_users)
        me = {"anon": GROUP_ANONYMOUS_BOT, "channel": CHANNEL_BOT}.get(role) or next(_users)
        w = cls(h=h, role=role, group=group, owner=owner, me=me, lang=LANG[role])
        h.tg.set_admin(group, owner)
        if role == "admin":
            h.tg.set_admin(group, me)
        if role == "creator":
            h.creators[group] = me  # type: ignore[attr-defined]
        if role == "reply":
            w.target = await h.send("a message from the owner", chat=group, user=owner, lang=OWNER_LANG)
        return w

    @property
    def service(self):
        return self.h.service

    @property
    def store(self):
        return self.h.app.store

    @property
    def chat(self) -> int:
        return self.me if self.role == "private" else self.group

    @property
    def real_user(self) -> bool:
        """Whether ``me`` is a person (not Telegram's stand-in bot for anonymous admins and channels)."""
        return self.role not in ("anon", "channel")

    # what the role sends ----------------------------------------------------------------------------

    async def send(self, text: str | None, **kwargs: Any) -> dict[str, Any]:
        """``text`` (or a captioned upload) from ``me``, as the role sends it."""
        h = self.h
        if self.role in ("anon", "channel"):
            msg = h.updates.message_dict(self.group, self.me, text, lang=None, **kwargs)
            if self.role == "anon":
                msg["from"] = {"id": GROUP_ANONYMOUS_BOT, "is_bot": True, "first_name": "Group",
                               "username": "GroupAnonymousBot"}
                msg["sender_chat"] = FakeTelegram.chat(self.group)
            else:
                msg["from"] = {"id": CHANNEL_BOT, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}
                msg["sender_chat"] = {"id": -1009876543210, "type": "channel", "title": "Some channel"}
            h.tg.remember(msg)
            await h.feed(h.updates.wrap(msg))
            return msg
        if self.role == "reply" and "reply_to" not in kwargs:
            kwargs["reply_to"] = self.target
        return await h.send(text, chat=self.chat, user=self.me, lang=self.lang, **kwargs)

    async def owner_sends(self, text: str | None, *, chat: int | None = None, **kwargs: Any) -> dict[str, Any]:
        return await self.h.send(text, chat=self.group if chat is None else chat, user=self.owner,
                                 lang=OWNER_LANG, **kwargs)

    async def press(self, data: str, message: dict[str, Any], *, user: int | None = None) -> None:
        me = user is None or user == self.me
        await self.h.press(data, message, user=self.me if user is None else user,
                           lang=self.lang if me else OWNER_LANG)

    # what came back ---------------------------------------------------------------------------------

    def start(self) -> None:
        self.mark = len(self.h.tg.calls)

    def calls(self, method: str | None = None) -> list:
        return [c for c in self.h.tg.calls[self.mark:] if c.status == 200 and (method is None or c.method == method)]

    def texts(self) -> list[str]:
        out = []
        for c in self.calls():
            if c.method in ("sendMessage", "editMessageText"):
                out.append(str(c.params.get("text", "")))
            elif c.method in ("sendVoice", "sendAudio") and c.params.get("caption"):
                out.append(str(c.params["caption"]))
            elif c.method == "answerCallbackQuery" and c.params.get("text"):
                out.append(str(c.params["text"]))
        return out

    def said(self) -> str:
        texts = [str(c.params.get("text", "")) for c in self.calls("sendMessage")]
        assert texts, f"the bot said nothing; calls: {[c.method for c in self.calls()]}"
        return texts[-1]

    def keyboard_message(self, chat: int | None = None):
        """The latest message the bot sent with buttons."""
        found = [c for c in self.calls("sendMessage") if c.params.get("reply_markup")
                 and (chat is None or c.chat_id == chat)]
        assert found, f"no message with buttons; calls: {[c.method for c in self.calls()]}"
        return found[-1]


# --- seeding -------------------------------------------------------------------------------------------


async def seed_clone(w: World, user: int, name: str) -> str:
    """A stored clone of ``user`` (made with the operator's key, so the fake provider knows it)."""
    uri = w.h.sf.add_voice(OPERATOR_KEY, name)
    uid = await w.service.user_id(private_ref(user))
    await w.store.add_voice(uid, name, provider="siliconflow", provider_id=uri,
                            key_fingerprint=w.service.fingerprint(OPERATOR_KEY), transcript="hello",
                            consent_at=datetime.now(UTC))
    return uri


async def link_to_discord(w: World, user: int) -> int:
    """Link ``user`` with a fresh Discord account; returns that account's id."""
    discord = UserRef(platform="discord", user_id=str(next(_users)), is_private=True)
    code = await w.service.start_link(discord)
    await w.service.complete_link(private_ref(user), code)
    return await w.service.user_id(discord)


async def settings_of(w: World, user: int):
    return await w.service.settings(private_ref(user))


# --- the rows ------------------------------------------------------------------------------------------

Step = Callable[[World], Awaitable[None]]


@dataclass(repr=False)
class Row:
    """One command (or one form of it) against every role."""

    label: str
    command: str  # the CommandHandler's name, or "text" for plain private text
    spec: str  # one outcome per role, in ROLES order
    act: Step  # what ``me`` does (for ``presser``: press the owner's button, see ``press``)
    effect: Step | None = None  # checks when allowed
    setup: Step | None = None
    press: Step | None = None  # presser: the owner asks (before the snapshot); sets w.notes["button"]
    owner_effect: Step | None = None  # presser: after the refused press, the owner's own press works
    callback: str | None = None  # the button kind (vb:<kind>:…) the presser cell covers
    refused_check: Step | None = None  # extra checks of a refusal (a key deleted, a code burnt)
    may_change: Callable[[World, str, dict], bool] | None = None  # refusal changes that are intended
    scope_ok: bool = False  # an allowed cell may change the group's settings

    def outcomes(self) -> dict[str, Outcome]:
        return parse_row(self.spec, ROLES)

    def __repr__(self) -> str:
        return f"Row({self.label!r}: {self.spec})"


def sends(text: str) -> Step:
    async def act(w: World) -> None:
        await w.send(text)

    return act


async def answered(w: World) -> None:
    assert w.calls("sendMessage") or w.calls("sendVoice"), "no answer"


# speak ------------------------------------------------------------------------------------------------

async def speak_setup(w: World) -> None:
    await w.service.set_voice(private_ref(w.owner), "claire")


async def speak_act(w: World) -> None:
    if w.role == "reply":  # /speak as a reply reads the replied message, in the replier's voice
        await w.send("/speak")
    else:
        await w.send("/speak hello there")


async def speak_effect(w: World) -> None:
    assert w.calls("sendVoice"), "no voice note"
    request = w.h.speech_requests()[-1].json
    assert not request["voice"].endswith(":claire"), "spoken in the owner's voice"
    if w.role == "reply":
        assert request["input"] == "a message from the owner"


# voices / voice ---------------------------------------------------------------------------------------

async def owner_clone_setup(w: World) -> None:
    await seed_clone(w, w.owner, "ownerclone")


async def voices_effect(w: World) -> None:
    listing = w.said()
    assert "ownerclone" not in listing, "someone else's clone is listed"
    markup = w.keyboard_message().params["reply_markup"]
    assert all(b["callback_data"].split(":")[2] == str(w.me) for b in buttons(markup))


async def voices_press(w: World) -> None:
    await w.owner_sends("/voices")
    msg = w.keyboard_message(w.group)
    w.notes["button"] = (button_data(msg.params["reply_markup"], "claire"), msg.result)


async def voices_owner_effect(w: World) -> None:
    assert (await settings_of(w, w.owner)).effective.voice == "claire"


async def voice_effect(w: World) -> None:
    assert (await settings_of(w, w.me)).effective.voice == "claire"


# clone ------------------------------------------------------------------------------------------------

async def clone_setup(w: World) -> None:
    if w.role == "reply":  # the owner's own voice note, replied to by someone else
        f = w.h.tg.add_file(w.notes["voice"])
        w.target = await w.owner_sends(None, voice=f.as_voice(6))
    w.notes["uploads"] = len(w.h.sf.requests_for("upload"))


async def clone_act(w: World) -> None:
    if w.role == "reply":
        await w.send("/clone stolen")
        return
    f = w.h.tg.add_file(w.notes["voice"])
    await w.send(None, voice=f.as_voice(6), caption="/clone mine")
    if not w.real_user:
        return
    prompt = w.keyboard_message()
    await w.press(button_data(prompt.params["reply_markup"], "✅"), prompt.result)


async def clone_effect(w: World) -> None:
    voices = await w.service.voices(private_ref(w.me))
    assert [v.name for v in voices.clones] == ["mine"]
    assert len(w.h.sf.requests_for("upload")) == w.notes["uploads"] + 1


async def clone_refused(w: World) -> None:
    assert len(w.h.sf.requests_for("upload")) == w.notes["uploads"], "audio was uploaded"
    for c in w.calls("sendMessage"):  # no consent button for the replier
        assert not c.params.get("reply_markup"), "the replier was offered a consent button for someone else's voice"


async def clone_press(w: World) -> None:
    f = w.h.tg.add_file(w.notes["voice"])
    await w.owner_sends(None, voice=f.as_voice(6), caption="/clone ownervoice")
    prompt = w.keyboard_message(w.group)
    w.notes["button"] = (button_data(prompt.params["reply_markup"], "✅"), prompt.result)
    w.notes["uploads"] = len(w.h.sf.requests_for("upload"))


async def clone_owner_effect(w: World) -> None:
    voices = await w.service.voices(private_ref(w.owner))
    assert [v.name for v in voices.clones] == ["ownervoice"]


# settings ---------------------------------------------------------------------------------------------

async def settings_setup(w: World) -> None:
    await w.service.update_settings(private_ref(w.owner), speed=1.7)
    await w.service.set_api_key(private_ref(w.owner), USER_KEY)


async def settings_effect(w: World) -> None:
    text = w.said()
    assert "1.7" not in text and "…user" not in text, "the owner's settings leaked into someone else's /settings"
    markup = w.keyboard_message().params["reply_markup"]
    assert all(b["callback_data"].split(":")[2] == str(w.me) for b in buttons(markup))


async def settings_press(w: World) -> None:
    await w.owner_sends("/settings")
    msg = w.keyboard_message(w.group)
    w.notes["button"] = (button_data(msg.params["reply_markup"], "+"), msg.result)


async def settings_owner_effect(w: World) -> None:
    assert (await settings_of(w, w.owner)).effective.speed == 1.8


async def chat_settings_effect(w: World) -> None:
    view = await w.service.settings(group_ref(w.owner, w.group))
    assert view.scope.speed == 1.3


# speed, gain, lang, style -------------------------------------------------------------------------------

def my_setting(name: str, value: Any) -> Step:
    async def effect(w: World) -> None:
        assert getattr((await settings_of(w, w.me)).effective, name) == value

    return effect


async def lang_press(w: World) -> None:
    await w.owner_sends("/lang")
    msg = w.keyboard_message(w.group)
    w.notes["button"] = (button_data(msg.params["reply_markup"], "日本語"), msg.result)


async def lang_owner_effect(w: World) -> None:
    assert (await settings_of(w, w.owner)).effective.language == "ja"


async def style_press(w: World) -> None:
    await w.owner_sends("/style")
    msg = w.keyboard_message(w.group)
    w.notes["button"] = (button_data(msg.params["reply_markup"], "粤语"), msg.result)


async def style_owner_effect(w: World) -> None:
    assert (await settings_of(w, w.owner)).effective.style == "粤语"


# pronounce --------------------------------------------------------------------------------------------

async def own_word_effect(w: World) -> None:
    assert [p.word for p in await w.service.pronunciations(private_ref(w.me))] == ["gif"]


async def chat_word_effect(w: World) -> None:
    words = await w.service.pronunciations(group_ref(w.owner, w.group), server=True)
    assert [p.word for p in words] == ["sql"]


async def chat_word_setup(w: World) -> None:
    await w.service.set_pronunciation(group_ref(w.owner, w.group), "sql", "sequel", server=True, is_admin=True)


async def chat_word_removed(w: World) -> None:
    assert await w.service.pronunciations(group_ref(w.owner, w.group), server=True) == []


# key --------------------------------------------------------------------------------------------------

SECRET = USER_KEY  # a key the fake provider accepts, so a private /key stores it


async def key_act(w: World) -> None:
    w.notes["msg"] = await w.send(f"/key {SECRET}")


async def key_effect(w: World) -> None:
    assert (await settings_of(w, w.me)).api_key_hint is not None
    assert (w.me, w.notes["msg"]["message_id"]) in w.h.tg.deleted


async def key_deleted(w: World) -> None:
    assert (w.chat, w.notes["msg"]["message_id"]) in w.h.tg.deleted, "the key was left in the group"
    if w.real_user:
        assert (await settings_of(w, w.me)).api_key_hint is None


async def keys_setup(w: World) -> None:
    await w.service.set_api_key(private_ref(w.owner), USER_KEY)
    if w.real_user:
        await w.service.set_api_key(private_ref(w.me), USER_KEY)


async def key_cleared_effect(w: World) -> None:
    assert (await settings_of(w, w.me)).api_key_hint is None


async def key_status_effect(w: World) -> None:
    assert "…user" in w.said()


async def key_status_refused(w: World) -> None:
    assert all("…user" not in t for t in w.texts()), "a key hint was shown in a group"


# usage ------------------------------------------------------------------------------------------------

async def usage_setup(w: World) -> None:
    await w.store.add_usage(await w.service.user_id(private_ref(w.owner)), 4242)
    if w.real_user:
        await w.store.add_usage(await w.service.user_id(private_ref(w.me)), 77)


async def usage_effect(w: World) -> None:
    text = w.said()
    assert "77" in text and "4242" not in text, f"not the caller's own usage: {text!r}"


# forget -----------------------------------------------------------------------------------------------

async def forget_setup(w: World) -> None:
    await w.service.update_settings(private_ref(w.owner), speed=1.7)
    if w.real_user:
        await w.service.update_settings(private_ref(w.me), speed=2.0)


async def forget_act(w: World) -> None:
    await w.send("/forget")
    if w.real_user:
        msg = w.keyboard_message()
        await w.press(button_data(msg.params["reply_markup"], "🗑"), msg.result)


async def forget_effect(w: World) -> None:
    assert (await settings_of(w, w.me)).effective.speed == 1.0
    assert (await settings_of(w, w.owner)).effective.speed == 1.7


async def forget_press(w: World) -> None:
    await w.owner_sends("/forget")
    msg = w.keyboard_message(w.group)
    w.notes["button"] = (button_data(msg.params["reply_markup"], "🗑"), msg.result)


async def forget_owner_effect(w: World) -> None:
    assert (await settings_of(w, w.owner)).effective.speed == 1.0


# link, unlink -----------------------------------------------------------------------------------------

async def link_effect(w: World) -> None:
    assert "<code>" in w.said()
    assert await w.store.find_user("telegram", str(w.me)) is not None


async def web_effect(w: World) -> None:
    """/web: a one-time sign-in link to the caller's own account (tests/bots/web/ opens such links)."""
    assert "/signin/" in w.said()
    assert await w.store.find_user("telegram", str(w.me)) is not None


async def link_code_setup(w: World) -> None:
    discord = UserRef(platform="discord", user_id=str(next(_users)), is_private=True)
    w.notes["code"] = await w.service.start_link(discord)
    w.notes["discord"] = discord
    w.extra_owners.add(f"uid:{await w.service.user_id(discord)}")


async def link_code_act(w: World) -> None:
    w.notes["msg"] = await w.send(f"/link {w.notes['code']}")
    if w.role == "private":
        msg = w.keyboard_message()
        await w.press(button_data(msg.params["reply_markup"], "Link"), msg.result)


async def link_code_effect(w: World) -> None:
    assert await w.service.linked_platforms(private_ref(w.me)) == ["discord"]


async def link_code_burnt(w: World) -> None:
    assert (w.chat, w.notes["msg"]["message_id"]) in w.h.tg.deleted, "the code was left in the group"
    with pytest.raises(LinkCodeInvalid):  # whoever saw it can't use it now
        await w.service.link_preview(private_ref(next(_users)), w.notes["code"])


def code_burnt(w: World, table: str, row: dict) -> bool:
    return table == "link_codes"


async def link_code_press(w: World) -> None:
    await w.owner_sends(f"/link {w.notes['code']}", chat=w.owner)  # the owner's private chat
    msg = w.keyboard_message(w.owner)
    w.notes["button"] = (button_data(msg.params["reply_markup"], "Link"), msg.result)


async def link_code_owner_effect(w: World) -> None:
    assert await w.service.linked_platforms(private_ref(w.owner)) == ["discord"]


async def unlink_setup(w: World) -> None:
    w.extra_owners.add(f"uid:{await link_to_discord(w, w.owner)}")
    if w.real_user:
        w.extra_owners.add(f"uid:{await link_to_discord(w, w.me)}")


async def unlink_effect(w: World) -> None:
    assert await w.service.linked_platforms(private_ref(w.me)) == []
    assert await w.service.linked_platforms(private_ref(w.owner)) == ["discord"]


# share_voice ------------------------------------------------------------------------------------------

async def share_setup(w: World) -> None:
    await seed_clone(w, w.owner, "ownerclone")
    if w.real_user:
        await seed_clone(w, w.me, "myvoice")


async def share_act(w: World) -> None:
    name = "ownerclone" if w.role == "reply" else "myvoice"
    await w.send(f"/share_voice {name} off")


async def share_effect(w: World) -> None:
    [mine] = (await w.service.voices(private_ref(w.me))).clones
    assert mine.shared is False


# plain private text -----------------------------------------------------------------------------------

async def text_effect(w: World) -> None:
    assert w.calls("sendVoice")


# the seed's voice workflow: /adopt_voice, /delete_voice, ▶ samples, a dynamic voice, /format ----------------

async def adopt_setup(w: World) -> None:
    if w.real_user:
        await w.service.set_api_key(private_ref(w.me), USER_KEY)
    w.notes["uri"] = w.h.sf.add_voice(USER_KEY, f"elsewhere{w.me}")


async def adopt_effect(w: World) -> None:
    [mine] = (await w.service.voices(private_ref(w.me))).clones
    assert mine.provider_id == w.notes["uri"]


async def delete_setup(w: World) -> None:
    await seed_clone(w, w.owner, "ownerclone")
    if w.real_user:
        await seed_clone(w, w.me, "myvoice")


async def delete_act(w: World) -> None:
    await w.send("/delete_voice myvoice")
    if w.real_user:
        msg = w.keyboard_message()
        await w.press(button_data(msg.params["reply_markup"], "🗑"), msg.result)


async def delete_effect(w: World) -> None:
    assert not (await w.service.voices(private_ref(w.me))).clones


async def delete_press(w: World) -> None:
    await w.owner_sends("/delete_voice ownerclone")
    msg = w.keyboard_message(w.group)
    w.notes["button"] = (button_data(msg.params["reply_markup"], "🗑"), msg.result)


async def delete_owner_effect(w: World) -> None:
    assert not (await w.service.voices(private_ref(w.owner))).clones


async def sample_act(w: World) -> None:
    await w.send("/voices")
    if w.real_user:
        msg = w.keyboard_message()
        await w.press(button_data(msg.params["reply_markup"], "▶ claire"), msg.result)


async def sample_effect(w: World) -> None:
    assert w.calls("sendVoice"), "no sample"


async def sample_press(w: World) -> None:
    await w.owner_sends("/voices")
    msg = w.keyboard_message(w.group)
    w.notes["button"] = (button_data(msg.params["reply_markup"], "▶ claire"), msg.result)


async def sample_owner_effect(w: World) -> None:
    assert w.calls("sendVoice"), "the owner got no sample"


async def dynamic_setup(w: World) -> None:
    w.notes["uploads"] = len(w.h.sf.requests_for("upload"))  # for clone_refused: nothing is uploaded either
    if w.role == "reply":  # the owner's own voice note, replied to by someone else
        f = w.h.tg.add_file(w.notes["voice"])
        w.target = await w.owner_sends(None, voice=f.as_voice(6))


async def dynamic_act(w: World) -> None:
    if w.role == "reply":
        await w.send("/speak in a stolen voice")
        return
    f = w.h.tg.add_file(w.notes["voice"])
    note = await w.send(None, voice=f.as_voice(6))
    await w.send("/speak in my own voice", reply_to=note)
    if w.real_user:
        prompt = w.keyboard_message()
        await w.press(button_data(prompt.params["reply_markup"], "✅"), prompt.result)


async def dynamic_effect(w: World) -> None:
    assert w.calls("sendVoice"), "no voice note"
    assert w.h.speech_requests()[-1].json["references"], "not spoken in the recording's voice"


async def dynamic_press(w: World) -> None:
    f = w.h.tg.add_file(w.notes["voice"])
    note = await w.owner_sends(None, voice=f.as_voice(6))
    await w.owner_sends("/speak in the owner's voice", reply_to=note)
    msg = w.keyboard_message(w.group)
    w.notes["button"] = (button_data(msg.params["reply_markup"], "✅"), msg.result)


async def format_setup(w: World) -> None:
    w.extra_owners.add(f"scope:telegram:{w.chat}")  # a private chat's own options


async def format_effect(w: World) -> None:
    options = await w.service.scope_options(f"telegram:{w.chat}")
    assert options["audio_file"] == {"format": "wav", "rate": 24000}

# talking characters -------------------------------------------------------------------------------------


async def character_new_effect(w: World) -> None:
    ref = private_ref(w.me) if w.role == "private" else group_ref(w.me, w.group)
    assert (await w.service.find_character(ref, "Kurisu")).name == "Kurisu"


async def host_setup(w: World) -> None:
    await w.service.create_character(group_ref(w.owner, w.group), "Host", voice="alex")


async def host_persona_effect(w: World) -> None:
    host = await w.service.find_character(group_ref(w.owner, w.group), "Host")
    assert host.persona == "A calm narrator."


ROWS: list[Row] = [
    # Cells, in ROLES order: private member admin creator anon channel reply presser.
    Row("start", "start", "OK OK OK OK IGN IGN OK -", sends("/start"), answered),
    Row("help", "help", "OK OK OK OK IGN IGN OK -", sends("/help"), answered),
    Row("speak TEXT", "speak", "OK OK OK OK IGN IGN OK -", speak_act, speak_effect, speak_setup),
    Row("voices", "voices", "OK OK OK OK IGN IGN OK NO:not_yours", sends("/voices"), voices_effect,
        owner_clone_setup, press=voices_press, owner_effect=voices_owner_effect, callback="v"),
    Row("voice PRESET", "voice", "OK OK OK OK IGN IGN OK -", sends("/voice claire"), voice_effect),
    Row("voice <someone else's clone>", "voice",
        "NO:unknown_voice NO:unknown_voice NO:unknown_voice NO:unknown_voice IGN IGN NO:unknown_voice -",
        sends("/voice ownerclone"), None, owner_clone_setup),
    # reply: /clone replying to someone else's voice note. judgment: refused — the voice in another member's
    # note is theirs, and the consent button only asks the replier; nothing may be held or uploaded.
    Row("clone NAME (voice note)", "clone", "OK OK OK OK IGN IGN NO NO:not_yours", clone_act, clone_effect,
        clone_setup, press=clone_press, owner_effect=clone_owner_effect, callback="c", refused_check=clone_refused),
    Row("settings", "settings", "OK OK OK OK IGN IGN OK NO:not_yours", sends("/settings"), settings_effect,
        settings_setup, press=settings_press, owner_effect=settings_owner_effect, callback="s"),
    # anon: an anonymous admin is an admin (is_chat_admin says so); judgment: allowed.
    Row("settings chat FIELD VALUE", "settings",
        "NO:permission_denied NO:permission_denied OK OK OK IGN NO:permission_denied -",
        sends("/settings chat speed 1.3"), chat_settings_effect, scope_ok=True),
    Row("speed VALUE", "speed", "OK OK OK OK IGN IGN OK -", sends("/speed 2"), my_setting("speed", 2.0)),
    Row("gain VALUE", "gain", "OK OK OK OK IGN IGN OK -", sends("/gain -3"), my_setting("gain", -3.0)),
    Row("lang CODE", "lang", "OK OK OK OK IGN IGN OK NO:not_yours", sends("/lang ja"), my_setting("language", "ja"),
        press=lang_press, owner_effect=lang_owner_effect, callback="l"),
    Row("style STYLE", "style", "OK OK OK OK IGN IGN OK NO:not_yours", sends("/style happy"),
        my_setting("style", "开心"), press=style_press, owner_effect=style_owner_effect, callback="y"),
    Row("pronounce WORD SAY-AS", "pronounce", "OK OK OK OK IGN IGN OK -", sends("/pronounce gif jif"),
        own_word_effect),
    Row("pronounce chat WORD SAY-AS", "pronounce",
        "NO:permission_denied NO:permission_denied OK OK OK IGN NO:permission_denied -",
        sends("/pronounce chat sql sequel"), chat_word_effect, scope_ok=True),
    Row("pronounce chat WORD (remove)", "pronounce",
        "NO:permission_denied NO:permission_denied OK OK OK IGN NO:permission_denied -",
        sends("/pronounce chat sql"), chat_word_removed, chat_word_setup, scope_ok=True),
    # anon/channel: judgment — a key posted in a group is deleted whoever posted it.
    Row("key SECRET", "key", "OK NO:private_only NO:private_only NO:private_only DEL DEL NO:private_only -",
        key_act, key_effect, refused_check=key_deleted),
    Row("key clear", "key",
        "OK NO:key_private_only NO:key_private_only NO:key_private_only IGN IGN "
        "NO:key_private_only -", sends("/key clear"), key_cleared_effect, keys_setup),
    Row("key (status)", "key",
        "OK NO:key_private_only NO:key_private_only NO:key_private_only IGN IGN "
        "NO:key_private_only -", sends("/key"), key_status_effect, keys_setup,
        refused_check=key_status_refused),
    Row("usage", "usage", "OK OK OK OK IGN IGN OK -", sends("/usage"), usage_effect, usage_setup),
    Row("forget", "forget", "OK OK OK OK IGN IGN OK NO:not_yours", forget_act, forget_effect, forget_setup,
        press=forget_press, owner_effect=forget_owner_effect, callback="f"),
    Row("link", "link",
        "OK NO:link_private_only NO:link_private_only NO:link_private_only IGN IGN NO:link_private_only -",
        sends("/link"), link_effect),
    # anon/channel: judgment — a code posted in a group is deleted and burnt whoever posted it.
    Row("link CODE", "link",
        "OK NO:link_private_only NO:link_private_only NO:link_private_only DEL DEL NO:link_private_only "
        "NO:not_yours", link_code_act, link_code_effect, link_code_setup, press=link_code_press,
        owner_effect=link_code_owner_effect, callback="k", refused_check=link_code_burnt, may_change=code_burnt),
    Row("unlink", "unlink", "OK OK OK OK IGN IGN OK -", sends("/unlink"), unlink_effect, unlink_setup),
    Row("web", "web",
        "OK NO:web_private_only NO:web_private_only NO:web_private_only IGN IGN NO:web_private_only -",
        sends("/web"), web_effect),
    Row("share_voice NAME off", "share_voice", "OK OK OK OK IGN IGN NO:unknown_voice -", share_act, share_effect,
        share_setup),
    Row("text in a private chat", "text", "OK IGN IGN IGN IGN IGN IGN -", sends("hello there"), text_effect),
    # the seed's voice workflow (tests/bots/telegram/handlers/test_seed.py has the details)
    Row("adopt_voice ID NAME", "adopt_voice", "OK OK OK OK IGN IGN OK -",
        lambda w: w.send(f"/adopt_voice {w.notes['uri']} adopted"), adopt_effect, adopt_setup),
    Row("delete_voice NAME", "delete_voice", "OK OK OK OK IGN IGN OK NO:not_yours", delete_act, delete_effect,
        delete_setup, press=delete_press, owner_effect=delete_owner_effect, callback="d"),
    Row("voices ▶ sample", "voices", "OK OK OK OK IGN IGN OK NO:not_yours", sample_act, sample_effect,
        press=sample_press, owner_effect=sample_owner_effect, callback="p"),
    # reply: someone else's voice note is theirs, as for /clone: refused before any consent button
    Row("speak TEXT (reply to a voice note)", "speak", "OK OK OK OK IGN IGN NO:not_your_recording NO:not_yours",
        dynamic_act, dynamic_effect, dynamic_setup, press=dynamic_press, owner_effect=dynamic_effect, callback="x",
        refused_check=clone_refused),
    # how speech arrives in a group is the group's: its admins decide (judgment: anonymous admins are ignored,
    # like every personal command; they can use /settings chat …)
    Row("format wav", "format",
        "OK NO:format_admins_only OK OK IGN IGN NO:format_admins_only -", sends("/format wav"), format_effect,
        format_setup, scope_ok=True),
    Row("talk (who talks here)", "talk", "OK OK OK OK IGN IGN OK -", sends("/talk"), answered),
    # a character made in a private chat is the user's own; in a group, the group's (anyone may add one, as on
    # Discord), changed by its creator or an admin
    Row("character new NAME", "character", "OK OK OK OK IGN IGN OK -", sends("/character new Kurisu"),
        character_new_effect, scope_ok=True),
    Row("character persona NAME TEXT (the owner's)", "character",
        "NO:not_found NO:permission_denied OK OK IGN IGN NO:permission_denied -",
        sends("/character persona Host A calm narrator."), host_persona_effect, host_setup, scope_ok=True),
]

CELLS = [pytest.param(row, role, id=f"{row.label}|{role}") for row in ROWS
         for role, outcome in row.outcomes().items() if outcome.applies]


# --- running a cell ------------------------------------------------------------------------------------


def provider_state(sf: FakeSiliconFlow) -> tuple:
    """What the provider holds and was sent that a refusal must not change: clones and uploads."""
    return (len(sf.requests_for("upload")), len(sf.requests_for("delete")),
            sorted(v["uri"] for key in (OPERATOR_KEY, USER_KEY) for v in sf.voices(key)))


async def run_cell(bot: Harness, row: Row, role: str, voice_note: bytes) -> tuple[World, Outcome, list[str]]:
    outcome = row.outcomes()[role]
    await empty_store(bot.app)
    w = await World.make(bot, role)
    w.notes["voice"] = voice_note
    if row.setup is not None:
        await row.setup(w)
    if role == "presser":
        assert row.press is not None and row.owner_effect is not None, f"{row.label}: no owner's button"
        w.start()
        await row.press(w)  # the owner asks; their answer carries the buttons
        data, message = w.notes["button"]
        before, provider = await snapshot(bot.app), provider_state(bot.sf)
        w.start()
        await w.press(data, message)
        after = await snapshot(bot.app)
        texts = w.texts()
        assert_unchanged(before, after)
        assert provider_state(bot.sf) == provider, "someone else's press reached the provider"
        assert_says(texts, outcome.key or "not_yours", w.lang)
        await w.press(data, message, user=w.owner)  # the same button still works for its owner
        await row.owner_effect(w)
        return w, outcome, texts

    before, provider = await snapshot(bot.app), provider_state(bot.sf)
    w.start()
    await row.act(w)
    after = await snapshot(bot.app)
    texts = w.texts()
    intended = (lambda table, r: row.may_change(w, table, r)) if row.may_change is not None else None
    if outcome.kind == "OK":
        allowed = account_ids(before, "telegram", w.me) | account_ids(after, "telegram", w.me) | w.extra_owners
        if row.scope_ok:
            allowed.add(f"scope:telegram:{w.group}")
        assert_only_touches(before, after, allowed)
        assert row.effect is not None
        await row.effect(w)
        return w, outcome, texts
    assert provider_state(bot.sf) == provider, "a refused request reached the provider"
    if outcome.kind == "NO":
        assert_unchanged(before, after, intended=intended)
        if outcome.key:
            assert_says(texts, outcome.key, w.lang)
        else:
            assert texts, "refused without a word"
    elif outcome.kind == "IGN":
        assert_unchanged(before, after, new_users_ok=False)
        sent = [c.method for c in w.calls() if c.method in SENDING]
        assert not sent, f"answered ({sent}) where it should ignore the message: {texts}"
    elif outcome.kind == "DEL":
        assert_unchanged(before, after, new_users_ok=False, intended=intended)
    else:  # pragma: no cover - the table only uses the kinds above
        raise AssertionError(f"no such outcome on Telegram: {outcome}")
    if row.refused_check is not None:
        await row.refused_check(w)
    return w, outcome, texts


#: What each refused cell said, for the language test (which runs the cell itself when run alone).
REFUSALS: dict[tuple[str, str], tuple[str, list[str]]] = {}


@pytest.mark.parametrize(("row", "role"), CELLS)
async def test_matrix(bot: Harness, voice_note: bytes, row: Row, role: str) -> None:
    w, outcome, texts = await run_cell(bot, row, role, voice_note)
    if outcome.kind == "NO":
        REFUSALS[row.label, role] = (w.lang, texts)


DENIALS = [pytest.param(row, role, id=f"{row.label}|{role}") for row in ROWS
           for role, outcome in row.outcomes().items() if outcome.key == "permission_denied"]


@pytest.mark.parametrize(("row", "role"), DENIALS)
async def test_refusal_names_the_action_in_the_callers_language(bot: Harness, voice_note: bytes, row: Row,
                                                                 role: str) -> None:
    """Not only "You don't have permission to …" but the action itself is in the caller's language."""
    lang, texts = REFUSALS.get((row.label, role)) or (LANG[role], (await run_cell(bot, row, role, voice_note))[2])
    action = assert_says(texts, "permission_denied", lang)["action"]
    assert_action_localized(action, lang)


async def test_every_command_and_button_is_in_the_matrix(bot: Harness) -> None:
    commands, kinds = handler_names(h for handlers in bot.application.handlers.values() for h in handlers)
    assert_matrix_covers(commands, {r.command for r in ROWS if r.command != "text"}, "the Telegram bot")
    pressed = {r.callback for r in ROWS if r.callback and r.outcomes()["presser"].kind == "NO"}
    assert_matrix_covers(kinds, pressed, "the Telegram bot's inline buttons (someone else pressing them)")
    for row in ROWS:
        assert len(row.outcomes()) == len(ROLES)
