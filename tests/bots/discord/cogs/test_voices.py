"""``/voices``, ``/voice`` and its autocomplete (from memory, ≤25 choices, clones first, prefix filter)."""

from __future__ import annotations

from datetime import UTC, datetime

from bots.discord.cogs.voices import COG_NAME, voice_choices
from core.models import UserRef
from tests.fakes.discord import (
    OTHER_USER_ID,
    USER_ID,
    autocomplete,
    run_command,
    select,
)
from tests.fakes.siliconflow_fixtures import OPERATOR_KEY


def me(user_id: int = USER_ID) -> UserRef:
    return UserRef(platform="discord", user_id=str(user_id))


async def add_clones(app, names: list[str], user_id: int = USER_ID) -> None:
    """Clones in the store (as /clone leaves them), without going through the provider."""
    uid = await app.service.user_id(me(user_id))
    for i, name in enumerate(names):
        await app.store.add_voice(uid, name, provider="siliconflow", provider_id=f"speech:{name}:{i}",
                                  key_fingerprint=app.service.fingerprint(OPERATOR_KEY), transcript="hi",
                                  consent_at=datetime.now(UTC))


async def test_autocomplete_puts_clones_first_and_caps_at_25(bot, app) -> None:
    await add_clones(app, [f"clone{i:02d}" for i in range(30)] + ["anya"])
    choices = await autocomplete(bot, "voice", {"name": ""}, focused="name")
    assert len(choices) == 25
    assert all(c["value"].startswith("clone") or c["value"] == "anya" for c in choices)
    choices = await autocomplete(bot, "voice", {"name": "an"}, focused="name")
    assert [c["value"] for c in choices] == ["anya", "anna"]
    assert choices[1]["name"] == "anna — steady female"


async def test_autocomplete_is_served_from_memory(bot, app, monkeypatch) -> None:
    await add_clones(app, ["kurisu"])
    assert [c["value"] for c in await autocomplete(bot, "voice", {"name": "ku"}, focused="name")] == ["kurisu"]

    async def no_store(*args, **kwargs):
        raise AssertionError("the store was asked")

    monkeypatch.setattr(app.service, "voices", no_store)
    assert [c["value"] for c in await autocomplete(bot, "voice", {"name": "k"}, focused="name")] == ["kurisu"]


async def test_autocomplete_is_per_user(bot, app) -> None:
    await add_clones(app, ["mine"])
    await add_clones(app, ["theirs"], user_id=OTHER_USER_ID)
    choices = await autocomplete(bot, "voice", {"name": ""}, focused="name", user_id=OTHER_USER_ID)
    assert choices[0]["value"] == "theirs" and "mine" not in [c["value"] for c in choices]


async def test_autocomplete_answers_with_presets_when_the_store_fails(bot, app, monkeypatch) -> None:
    async def broken(*args, **kwargs):
        raise RuntimeError("database is down")

    monkeypatch.setattr(app.service, "voices", broken)
    choices = await autocomplete(bot, "voice", {"name": "b"}, focused="name")
    assert [c["value"] for c in choices] == ["benjamin", "bella"]


def test_choice_filter_matches_descriptions_too() -> None:
    values = [c.value for c in voice_choices([], "female", "en")]
    assert values == ["anna", "bella", "claire", "diana"]


async def test_voice_sets_a_preset_or_clone(bot, app) -> None:
    inter = await run_command(bot, "voice", {"name": "bella"})
    assert bot.fake.last_reply(inter.token).content == "Your voice is now **bella**."
    await add_clones(app, ["kurisu"])
    await run_command(bot, "voice", {"name": "kurisu"})
    assert (await app.service.settings(me())).voice_name == "kurisu"


async def test_unknown_voice_changes_nothing(bot, app) -> None:
    inter = await run_command(bot, "voice", {"name": "nobody"})
    answer = bot.fake.last_reply(inter.token)
    assert answer.ephemeral and answer.content == "There is no voice called “nobody”. See /voices."
    assert (await app.service.settings(me())).voice_name == "anna"


async def test_voices_lists_and_picks(bot, app) -> None:
    await add_clones(app, ["kurisu"])
    inter = await run_command(bot, "voices")
    answer = bot.fake.last_reply(inter.token)
    assert answer.ephemeral
    [embed] = answer.embeds
    text = str(embed)
    assert "`kurisu`" in text and "`alex`" in text
    row, samples = answer.components  # pick a voice; ▶ hear one (tests/bots/discord/cogs/test_seed.py)
    options = [o["value"] for o in row["components"][0]["options"]]
    assert options[0] == "kurisu" and len(options) == 9
    assert [o["value"] for o in samples["components"][0]["options"]] == options
    chosen = await select(bot, inter, ["claire"])
    await bot.fake.wait_for(lambda: bot.fake.replies(chosen.token))
    assert bot.fake.last_reply(chosen.token).content == "Your voice is now **claire**."
    assert (await app.service.settings(me())).voice_name == "claire"
    # /voices refreshed the in-memory list
    assert bot.get_cog(COG_NAME).clone_names.get(str(USER_ID)) == ["kurisu"]


async def test_delete_voice_asks_then_deletes_at_the_provider(bot, app, fake_siliconflow) -> None:
    from tests.bots.discord.cogs.test_clone import attach
    from tests.fakes.discord import press, start_command
    from tests.fakes.siliconflow import sample_wav

    audio = attach(bot, sample_wav(8.0))
    inter, task = start_command(bot, "clone", {"name": "kurisu", "audio": audio, "transcript": "hello"})
    await press(bot, inter, "vb:confirm")
    await task
    assert [c["value"] for c in await autocomplete(bot, "delete_voice", {"name": "k"}, focused="name")] == ["kurisu"]
    inter, task = start_command(bot, "delete_voice", {"name": "kurisu"})
    await press(bot, inter, "vb:confirm")
    await task
    assert bot.fake.last_reply(inter.token).content == "Deleted the voice **kurisu**."
    assert len(fake_siliconflow.requests_for("delete")) == 1
    assert not (await app.service.voices(me())).clones
    assert await autocomplete(bot, "delete_voice", {"name": ""}, focused="name") == []


async def test_delete_unknown_voice(bot) -> None:
    inter = await run_command(bot, "delete_voice", {"name": "alex"})
    assert bot.fake.last_reply(inter.token).content == "There is no voice called “alex”. See /voices."
