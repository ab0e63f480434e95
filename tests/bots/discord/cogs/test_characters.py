"""/character (bots/discord/cogs/characters.py) on the bot with the voice side (``vbot``): create, list, edit,
delete, and speak in the voice channel or as a voice message.
"""

from __future__ import annotations

from tests.bots.discord.voice_channel.fakes import wait_for
from tests.bots.discord.voice_guild import VOICE_ID, join, spoken
from tests.fakes.discord import GUILD_ID, MANAGER_PERMISSIONS, OTHER_USER_ID, autocomplete, run_command


async def test_character_lifecycle_and_permissions(vbot) -> None:
    inter = await run_command(vbot, "character create", {"name": "Okabe", "voice": "benjamin", "gain": 2.0,
                                                         "language": "ja"})
    assert "Okabe" in vbot.fake.last_reply(inter.token).content
    inter = await run_command(vbot, "character list")
    listing = vbot.fake.last_reply(inter.token).content
    assert "**Okabe** — benjamin" in listing and "+2 dB" in listing
    choices = await autocomplete(vbot, "character speak", {"name": "ok"}, focused="name")
    assert [c["value"] for c in choices] == ["Okabe"]
    inter = await run_command(vbot, "character edit", {"name": "Okabe", "speed": 0.9}, user_id=OTHER_USER_ID)
    assert "permission" in vbot.fake.last_reply(inter.token).content
    inter = await run_command(vbot, "character edit", {"name": "Okabe", "speed": 0.9})
    assert "updated" in vbot.fake.last_reply(inter.token).content
    inter = await run_command(vbot, "character delete", {"name": "Okabe"}, user_id=OTHER_USER_ID,
                              permissions=MANAGER_PERMISSIONS)
    assert "deleted" in vbot.fake.last_reply(inter.token).content
    inter = await run_command(vbot, "character list")
    assert "No characters yet" in vbot.fake.last_reply(inter.token).content


async def test_character_speak_in_voice_or_as_a_voice_message(vbot) -> None:
    await run_command(vbot, "character create", {"name": "Mayuri", "voice": "diana"})
    await run_command(vbot, "character speak", {"name": "Mayuri", "text": "Tutturu!"})
    assert len(vbot.fake.channel_messages()) == 1  # not in voice: a voice message
    await join(vbot)
    player = vbot.voice_manager.player(GUILD_ID)
    inter = await run_command(vbot, "character speak", {"name": "Mayuri", "text": "Tutturu, again!"})
    assert f"<#{VOICE_ID}>" in vbot.fake.last_reply(inter.token).content
    await wait_for(lambda: player.stats.items_spoken == 1, timeout=10)
    assert len(vbot.fake.channel_messages()) == 1
    assert len(spoken(vbot)) > 5
