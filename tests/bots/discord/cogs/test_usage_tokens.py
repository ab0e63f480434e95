"""Discord ``/usage`` counts the chat model's tokens of a user's talks with characters (as Telegram's does): today,
in total, and against the operator's daily token quota; before any talk it says nothing about them."""

from __future__ import annotations

import pytest

from bots.app import build_app
from core.i18n import t
from tests.bots.discord.cogs.test_talk import deliver, kurisu, said
from tests.bots.discord.conftest import make_config, speed_up
from tests.fakes.chat_model import prompt_tokens, tokens_of
from tests.fakes.discord import OTHER_USER_ID, run_command

QUOTA = 5000


@pytest.fixture
async def app(tmp_path, fake_siliconflow, talk_config):
    """The app of the cog tests (``vbot`` uses it), on the fake chat model, with a daily token quota."""
    application = speed_up(await build_app(make_config(tmp_path / "data", fake_siliconflow, **talk_config,
                                                       daily_token_quota=QUOTA)))
    try:
        yield application
    finally:
        await application.aclose()


async def test_usage_shows_the_talks_tokens_and_the_daily_limit(vbot, fake_chat_model) -> None:
    inter = await run_command(vbot, "usage", user_id=OTHER_USER_ID)
    before = vbot.fake.last_reply(inter.token)
    assert before.ephemeral and "language-model tokens" not in before.content
    await kurisu(vbot)
    answer = "The weather is fine. Shall we walk?"
    fake_chat_model.script(answer)
    await deliver(vbot, said(vbot, "Kurisu, how is the weather?", author_id=OTHER_USER_ID))
    used = prompt_tokens(fake_chat_model.requests[-1].json["messages"]) + len(tokens_of(answer))
    inter = await run_command(vbot, "usage", user_id=OTHER_USER_ID)
    shown = vbot.fake.last_reply(inter.token).content
    assert t("usage_tokens", "en", today=used, total=used) in shown
    assert t("usage_tokens_limit", "en", used=used, limit=QUOTA) in shown
    inter = await run_command(vbot, "usage", user_id=OTHER_USER_ID, locale="zh-CN")
    assert t("usage_tokens", "zh", today=used, total=used) in vbot.fake.last_reply(inter.token).content
