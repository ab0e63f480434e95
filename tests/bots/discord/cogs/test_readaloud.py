"""Read-aloud on the fake Discord (issue 14, items 6–11): require_voice and text_in_voice, what is said for messages
that are not only text (attachments, stickers, polls, links, forwards), emoji by name, members joining and leaving,
the server's idle timeout and "stay connected", and a server's or channel's voice lent by its owner.

The real app on the fake SiliconFlow, the bot on the fake Discord with a fake voice connection (``vbot``).
"""

from __future__ import annotations

from types import SimpleNamespace

import discord

from bots.discord import readaloud
from bots.discord.voice_channel import idle
from core.readaloud import say_things
from tests.bots.discord.cogs.test_voice_channel import spy_on_prepare
from tests.bots.discord.voice_channel.fakes import wait_for
from tests.bots.discord.voice_guild import THIRD_USER_ID, VOICE_ID, guild, join, message, move
from tests.fakes.discord import (
    CHANNEL_ID,
    GUILD_ID,
    MANAGER_PERMISSIONS,
    OTHER_USER_ID,
    USER_ID,
    attachment_payload,
    member_payload,
    press,
    run_command,
    start_command,
    user_payload,
)


async def _on(vbot, command: str, **options) -> str:
    inter = await run_command(vbot, f"voiceconfig {command}", options, permissions=MANAGER_PERMISSIONS)
    return vbot.fake.last_reply(inter.token).content


def rich(vbot, content: str = "", *, attachments=(), stickers=(), poll=None, snapshot=None,
         author_id: int = USER_ID, channel_id: int = CHANNEL_ID) -> discord.Message:
    """A message with attachments, stickers, a poll or a forwarded snapshot, as the gateway sends them."""
    msg = message(vbot, content, author_id=author_id, channel_id=channel_id)
    data = {"id": str(msg.id), "channel_id": str(channel_id), "type": 0, "content": content,
            "author": user_payload(author_id), "timestamp": "2024-01-01T00:00:00+00:00", "edited_timestamp": None,
            "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [],
            "attachments": list(attachments), "embeds": [], "pinned": False, "flags": 0, "components": [],
            "guild_id": str(GUILD_ID), "sticker_items": [{"id": "9", "name": "wave", "format_type": 1}
                                                        for _ in range(stickers)] if stickers else []}
    data["member"] = {k: v for k, v in member_payload(author_id).items() if k != "user"}
    if poll is not None:
        data["poll"] = {"question": {"text": poll}, "answers": [{"answer_id": 1, "poll_media": {"text": "yes"}}],
                        "expiry": "2024-01-02T00:00:00+00:00", "allow_multiselect": False, "layout_type": 1}
    if snapshot is not None:
        data["message_reference"] = {"type": 1, "message_id": "1", "channel_id": "2", "guild_id": str(GUILD_ID)}
        data["message_snapshots"] = [{"message": {"type": 0, "content": snapshot.get("content", ""), "embeds": [],
                                                  "attachments": snapshot.get("attachments", []),
                                                  "timestamp": "2024-01-01T00:00:00+00:00",
                                                  "edited_timestamp": None, "flags": 0, "mentions": [],
                                                  "mention_roles": []}}]
    return discord.Message(state=vbot._connection, channel=guild(vbot).get_channel(channel_id), data=data)


def image(name: str = "cat.png") -> dict:
    return attachment_payload(filename=name, content_type="image/png")


def a_file(name: str = "notes.pdf") -> dict:
    return attachment_payload(filename=name, content_type="application/pdf")


# --- 6. who and where is read ---------------------------------------------------------------------------------


async def test_text_in_voice_reads_the_voice_channels_own_chat(vbot) -> None:
    await join(vbot)
    cog = vbot.get_cog("VoiceChannel")
    prepared = spy_on_prepare(vbot)
    await cog.on_message(message(vbot, "in the voice chat", channel_id=VOICE_ID))
    assert prepared == []  # off by default: only channels with /autoread on
    assert "text_in_voice = on" in await _on(vbot, "text_in_voice", enabled=True)
    await cog.on_message(message(vbot, "in the voice chat", channel_id=VOICE_ID))
    await cog.on_message(message(vbot, "not in voice", author_id=OTHER_USER_ID, channel_id=VOICE_ID))
    assert prepared == ["in the voice chat"]  # require_voice: the author must be in the channel


async def test_require_voice_off_reads_members_who_are_not_in_voice(vbot) -> None:
    await run_command(vbot, "autoread on", permissions=MANAGER_PERMISSIONS)
    await join(vbot)
    cog = vbot.get_cog("VoiceChannel")
    prepared = spy_on_prepare(vbot)
    await cog.on_message(message(vbot, "from afar", author_id=OTHER_USER_ID))
    assert prepared == []
    await _on(vbot, "require_voice", enabled=False)
    await cog.on_message(message(vbot, "from afar", author_id=OTHER_USER_ID))
    assert prepared == ["from afar"]
    shown = await _on(vbot, "show")
    assert "Only members in my voice channel are read: off" in shown


# --- 7. messages that are not only text -------------------------------------------------------------------------


async def test_attachments_stickers_polls_links_and_forwards_are_described(vbot) -> None:
    await run_command(vbot, "autoread on", permissions=MANAGER_PERMISSIONS)
    await join(vbot)
    cog = vbot.get_cog("VoiceChannel")
    prepared = spy_on_prepare(vbot)
    player = vbot.voice_manager.player(GUILD_ID)
    for msg in [
        rich(vbot, attachments=[image()]),
        rich(vbot, attachments=[image(), image("b.jpg"), a_file()]),
        rich(vbot, "look at this", attachments=[a_file()]),
        rich(vbot, stickers=1),
        rich(vbot, poll="Pizza tonight?"),
        rich(vbot, "https://example.com/x"),
        rich(vbot, snapshot={"content": "the original words"}),
        rich(vbot, snapshot={"attachments": [image()]}),
        rich(vbot),  # nothing at all: not read
    ]:
        await cog.on_message(msg)
        await wait_for(lambda: player.stats.items_spoken == len(prepared), timeout=20)  # one at a time (max queued)
    assert prepared == [
        "User0001 sent an image.",
        "User0001 sent 2 images and a file.",
        "look at this (with a file)",
        "User0001 sent a sticker.",
        "User0001 sent a poll: Pizza tonight?",
        "User0001 sent a link.",
        "User0001 forwarded a message: the original words",
        "User0001 forwarded a message: an image",
    ]


def test_the_sentences_are_in_the_servers_or_the_words_language() -> None:
    msg = SimpleNamespace(content="", attachments=[SimpleNamespace(content_type="image/png", filename="a.png",
                                                                   is_voice_message=lambda: False)],
                          stickers=[], poll=None, message_snapshots=[])
    assert readaloud.reading(msg, name="花子", server_locale="ja").text == "花子さんが画像を送信しました。"
    assert readaloud.reading(msg, name="小明", server_locale="zh-CN").text == "小明发送了一张图片。"
    msg.content = "看这个"
    said = readaloud.reading(msg, name="小明", server_locale="en-US")
    assert said.text == "看这个（附一张图片）" and said.announce
    voice = SimpleNamespace(content_type="audio/ogg", filename="voice-message.ogg", is_voice_message=lambda: True)
    assert say_things(readaloud.things([voice, voice]), "en") == "a voice message"


# --- 8. emoji --------------------------------------------------------------------------------------------------


async def test_emoji_are_read_by_name_unless_the_server_turns_it_off(vbot) -> None:
    await run_command(vbot, "autoread on", permissions=MANAGER_PERMISSIONS)
    await join(vbot)
    cog = vbot.get_cog("VoiceChannel")
    prepared = spy_on_prepare(vbot)
    await cog.on_message(message(vbot, "nice 🎉🎉🎉"))
    inter = await run_command(vbot, "server emoji", {"enabled": False}, permissions=MANAGER_PERMISSIONS)
    assert "skipped" in vbot.fake.last_reply(inter.token).content
    await cog.on_message(message(vbot, "nice 🎉🎉🎉"))
    assert prepared == ["nice party popper", "nice"]


# --- 9. members joining and leaving ----------------------------------------------------------------------------


async def test_members_joining_and_leaving_are_announced_when_asked(vbot) -> None:
    await join(vbot)
    cog = vbot.get_cog("VoiceChannel")
    prepared = spy_on_prepare(vbot)
    lounge = guild(vbot).get_channel(VOICE_ID)
    third = guild(vbot).get_member(THIRD_USER_ID)
    nowhere, there = SimpleNamespace(channel=None), SimpleNamespace(channel=lounge)
    await cog.on_voice_state_update(third, nowhere, there)
    assert prepared == []  # off by default
    await _on(vbot, "announce_members", enabled=True)
    move(vbot, THIRD_USER_ID, VOICE_ID)
    await cog.on_voice_state_update(third, nowhere, there)
    await cog.on_voice_state_update(third, there, there)  # muting themselves is not coming or going
    move(vbot, THIRD_USER_ID, None)
    await cog.on_voice_state_update(third, there, nowhere)
    assert prepared == ["User0003 joined.", "User0003 left."]
    player = vbot.voice_manager.player(GUILD_ID)
    await wait_for(lambda: player.stats.items_spoken == 2, timeout=20)


# --- 10. idle timeout and stay connected -----------------------------------------------------------------------


async def test_idle_timeout_within_the_operators_maximum_and_stay_connected(vbot) -> None:
    await join(vbot)
    player = vbot.voice_manager.player(GUILD_ID)
    config = vbot.service.config
    assert "idle_timeout = 90 s" in await _on(vbot, "idle_timeout", seconds=90.0)
    assert player.settings.idle_timeout == 90.0
    refused = await _on(vbot, "idle_timeout", seconds=7200.0)  # the operator's maximum is 3600
    assert "between 30 and 3600" in refused and player.settings.idle_timeout == 90.0
    await _on(vbot, "stay_connected", enabled=True)
    assert player.settings.idle_timeout == 0 and player.settings.alone_grace >= idle.FOREVER
    assert "Stay connected: on" in await _on(vbot, "show")
    await _on(vbot, "stay_connected", enabled=False)
    assert player.settings.idle_timeout == 90.0
    await _on(vbot, "idle_timeout")  # empty: back to the operator's default
    assert player.settings.idle_timeout == vbot.voice_manager.settings.idle_timeout
    object.__setattr__(config, "voice_stay_connected", False)
    try:
        refused = await _on(vbot, "stay_connected", enabled=True)
        assert "does not let servers keep it connected" in refused
    finally:
        object.__setattr__(config, "voice_stay_connected", True)
    inter = await run_command(vbot, "voiceconfig idle_timeout", {"seconds": 60.0})
    assert "permission" in vbot.fake.last_reply(inter.token).content


# --- 11. a server's or channel's voice lent by its owner ------------------------------------------------------


async def _clone(vbot, name: str = "kurisu") -> None:
    from tests.bots.discord.cogs.test_clone import attach
    from tests.fakes.siliconflow import sample_wav

    audio = attach(vbot, sample_wav(8.0))
    inter, task = start_command(vbot, "clone", {"name": name, "audio": audio, "transcript": "hello"})
    await press(vbot, inter, "vb:confirm")
    await task


async def test_the_owner_lends_a_clone_as_the_server_voice_after_confirming(vbot, fake_siliconflow) -> None:
    await _clone(vbot)
    inter, task = start_command(vbot, "server voice", {"voice": "kurisu"}, permissions=MANAGER_PERMISSIONS)
    await press(vbot, inter, "vb:cancel")
    await task
    assert (await vbot.service.scope_options(f"discord:{GUILD_ID}")) == {}
    inter, task = start_command(vbot, "server voice", {"voice": "kurisu"}, permissions=MANAGER_PERMISSIONS)
    prompt_seen = await press(vbot, inter, "vb:confirm")
    await task
    assert prompt_seen is not None
    assert "Lend your voice **kurisu**" in vbot.fake.replies(inter.token)[0].content
    await run_command(vbot, "speak", {"text": "Read in the lent voice."}, user_id=OTHER_USER_ID)
    last = fake_siliconflow.requests_for("speech")[-1].json["voice"]
    assert last.startswith("speech:")
    # someone else cannot lend a clone that is not theirs
    inter = await run_command(vbot, "server voice", {"voice": "kurisu"}, user_id=OTHER_USER_ID,
                              permissions=MANAGER_PERMISSIONS)
    assert "no voice called" in vbot.fake.last_reply(inter.token).content.lower()


async def test_a_channel_voice_reads_that_channel(vbot, fake_siliconflow) -> None:
    await run_command(vbot, "autoread on", permissions=MANAGER_PERMISSIONS)
    await join(vbot)
    assert "channel_voice = claire" in await _on(vbot, "channel_voice", voice="claire")
    cog = vbot.get_cog("VoiceChannel")
    await cog.on_message(message(vbot, "read in claire's voice"))
    player = vbot.voice_manager.player(GUILD_ID)
    await wait_for(lambda: player.stats.items_spoken == 1, timeout=20)
    assert fake_siliconflow.requests_for("speech")[-1].json["voice"].endswith(":claire")
    assert f"<#{CHANNEL_ID}> (claire)" in await _on(vbot, "show")
    await _on(vbot, "channel_voice")
    assert (await vbot.voice_manager.options(GUILD_ID)).channel_voices == {}


def test_the_pure_rules_for_require_voice_text_in_voice_and_non_text() -> None:
    import dataclasses

    from bots.discord.cogs.voice_channel import ignore_reason
    from bots.discord.voice_channel.manager import VoiceOptions
    from tests.fakes.discord import BOT_USER_ID

    vc = SimpleNamespace(id=VOICE_ID)
    inside = SimpleNamespace(id=1, bot=False, roles=[], voice=SimpleNamespace(channel=vc))
    outside = SimpleNamespace(id=2, bot=False, roles=[], voice=None)
    opts = VoiceOptions(autoread_channels=(str(CHANNEL_ID),))

    def msg(author=inside, channel=CHANNEL_ID, content="hi", attachments=()):
        return SimpleNamespace(author=author, channel=SimpleNamespace(id=channel), content=content, webhook_id=None,
                               flags=SimpleNamespace(suppress_notifications=False), type=discord.MessageType.default,
                               attachments=list(attachments), stickers=[], poll=None, message_snapshots=[])

    def why(m, o=opts, voice=VOICE_ID):
        return ignore_reason(m, o, bot_user_id=BOT_USER_ID, voice_channel_id=voice)

    assert why(msg(outside)) == "not in voice"
    assert why(msg(outside), dataclasses.replace(opts, require_voice=False)) is None
    assert why(msg(outside), dataclasses.replace(opts, require_voice=False), voice=None) == "not in voice"
    assert why(msg(channel=VOICE_ID)) == "channel"
    tiv = dataclasses.replace(opts, text_in_voice=True)
    assert why(msg(channel=VOICE_ID), tiv) is None
    assert why(msg(channel=VOICE_ID), tiv, voice=None) == "channel"  # not connected: no voice chat of ours
    assert why(msg(content="")) == "empty"
    assert why(msg(content="", attachments=[object()])) is None  # described instead ("… sent a file")
    assert why(msg(content="", attachments=[object()]), dataclasses.replace(opts, skip_prefix="")) is None
