"""``/link`` and ``/unlink`` on Discord (the Telegram side is played by the service)."""

from __future__ import annotations

import asyncio

from core.models import UserRef
from tests.fakes.discord import USER_ID, autocomplete, press, run_command, start_command
from tests.samples import ogg_bytes, speech_like

TELEGRAM_ME = UserRef(platform="telegram", user_id="4242")


async def test_code_from_telegram_typed_here_shares_settings(bot, app) -> None:
    await app.service.update_settings(TELEGRAM_ME, speed=1.4)
    await app.service.set_pronunciation(TELEGRAM_ME, "gif", "jif")
    code = await app.service.start_link(TELEGRAM_ME)
    inter, task = start_command(bot, "link", {"code": code.lower()})
    await press(bot, inter, "vb:confirm")
    await asyncio.wait_for(task, 10)
    answer = bot.fake.last_reply(inter.token)
    assert answer.content.startswith("Linked with your Telegram account")
    assert all(c.ephemeral for c in bot.fake.replies(inter.token)[:1])
    mine = UserRef(platform="discord", user_id=str(USER_ID))
    assert (await app.service.settings(mine)).effective.speed == 1.4
    inter = await run_command(bot, "link")
    assert "linked with your Telegram account" in bot.fake.last_reply(inter.token).content
    inter = await run_command(bot, "settings")
    fields = {f["name"]: f["value"] for f in bot.fake.last_reply(inter.token).embeds[0]["fields"]}
    assert fields["Linked with"] == "Telegram" and fields["Pronunciations"].startswith("1 ·")
    inter = await run_command(bot, "unlink")
    assert bot.fake.last_reply(inter.token).content.startswith("Unlinked.")
    assert (await app.service.settings(mine)).effective.speed == 1.0


async def test_code_shown_here_only_to_me_and_typed_on_telegram(bot, app) -> None:
    inter = await run_command(bot, "link", locale="ja")  # in a server channel, but the answer is ephemeral
    answer = bot.fake.last_reply(inter.token)
    assert answer.ephemeral and "連携コード" in answer.content
    code = answer.content.split("`")[1]
    assert await app.service.complete_link(TELEGRAM_ME, code) == "discord"
    inter = await run_command(bot, "link", {"code": "WRONG123"})
    assert "already linked" in bot.fake.last_reply(inter.token).content


async def test_voice_autocomplete_offers_the_shared_clones_right_after_linking(bot, app) -> None:
    await app.service.clone(TELEGRAM_ME, ogg_bytes(speech_like(6.0, silence=1.0)), "from telegram",
                            transcript="hello", consent=True)
    before = await autocomplete(bot, "voice", {"name": ""}, focused="name")  # fills the cache
    assert "from telegram" not in [c["value"] for c in before]
    inter, task = start_command(bot, "link", {"code": await app.service.start_link(TELEGRAM_ME)})
    await press(bot, inter, "vb:confirm")
    await asyncio.wait_for(task, 10)
    after = await autocomplete(bot, "voice", {"name": ""}, focused="name")
    assert "from telegram" in [c["value"] for c in after]


async def test_a_wrong_code_changes_nothing(bot, app) -> None:
    inter = await run_command(bot, "link", {"code": "ZZZZ9999"})
    assert "wrong or has expired" in bot.fake.last_reply(inter.token).content
    inter = await run_command(bot, "unlink")
    assert "isn't linked" in bot.fake.last_reply(inter.token).content


async def test_a_code_lists_what_would_be_shared_and_cancel_links_nothing(bot, app) -> None:
    mine = UserRef(platform="discord", user_id=str(USER_ID))
    await app.service.clone(mine, ogg_bytes(speech_like(6.0, silence=1.0)), "my voice", transcript="hello",
                            consent=True)
    code = await app.service.start_link(TELEGRAM_ME)
    inter, task = start_command(bot, "link", {"code": code})
    await press(bot, inter, "vb:cancel")
    await asyncio.wait_for(task, 10)
    prompt = bot.fake.replies(inter.token)[0]
    assert prompt.ephemeral and "“my voice”" in prompt.content and "both accounts are yours" in prompt.content
    assert await app.service.linked_platforms(TELEGRAM_ME) == []
    assert (await app.service.voices(TELEGRAM_ME)).clones == []
