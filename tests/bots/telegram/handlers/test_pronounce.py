"""/pronounce: a user's own dictionary, a group's for its admins, and both applied to speech."""

from __future__ import annotations

from tests.bots.telegram.conftest import GROUP, USER, Harness


async def test_own_pronunciations_are_set_listed_spoken_and_removed(bot: Harness) -> None:
    await bot.send("/pronounce gif jif")
    assert bot.last_text() == "From now on I read “gif” as “jif”."
    await bot.send("/pronounce New York = noo york")
    assert bot.last_text() == "From now on I read “New York” as “noo york”."
    await bot.send("/speak A GIF of new york <b>")
    assert bot.speech_requests()[-1].json["input"] == "A jif of noo york <b>"
    await bot.send("/pronounce")
    listing = bot.last_text()
    assert "Your pronunciations" in listing and "gif → jif" in listing and "New York → noo york" in listing
    assert "This chat" not in listing  # a private chat has no chat dictionary
    await bot.send("/settings")
    assert "Pronunciations: 2 (/pronounce)" in bot.last_text()
    await bot.send("/pronounce GIF")
    assert bot.last_text() == "“gif” is read as written again."
    await bot.send("/pronounce gif")
    assert bot.last_text() == "There is no pronunciation for “gif” in that dictionary."
    await bot.send("/speak gif")
    assert bot.speech_requests()[-1].json["input"] == "gif"


async def test_bad_entries_are_refused_and_change_nothing(bot: Harness) -> None:
    await bot.send("/pronounce " + "x" * 41 + " y")
    assert "word can't be" in bot.last_text() and "1–40 characters" in bot.last_text()
    await bot.send("/pronounce gif = " + "y" * 101)
    assert "1–100 characters" in bot.last_text()
    await bot.send("/pronounce ?! = what")  # not a word: nothing to read differently
    assert "at least one letter" in bot.last_text()
    await bot.send("/pronounce")
    assert "none yet" in bot.last_text()
    await bot.send("/pronounce <b>x</b> = tag")  # what users type is escaped in the HTML reply
    assert bot.last_text() == "From now on I read “&lt;b&gt;x&lt;/b&gt;” as “tag”."


async def test_group_dictionary_is_for_admins_and_applies_to_everyone(bot: Harness) -> None:
    await bot.send("/pronounce chat sql sequel", chat=GROUP)
    assert "permission" in bot.last_text(GROUP)
    bot.tg.set_admin(GROUP, USER)
    await bot.send("/pronounce chat sql sequel", chat=GROUP)
    assert "for everyone" in bot.last_text(GROUP)
    await bot.send("/pronounce sql S Q L", chat=GROUP, user=5555)  # a member's own entry wins for them
    await bot.send("/speak SQL rocks", chat=GROUP, user=4444)
    assert bot.speech_requests()[-1].json["input"] == "sequel rocks"
    await bot.send("/speak SQL rocks", chat=GROUP, user=5555)
    assert bot.speech_requests()[-1].json["input"] == "S Q L rocks"
    await bot.send("/pronounce", chat=GROUP, user=4444)
    listing = bot.last_text(GROUP)
    assert "This chat's pronunciations" in listing and "sql → sequel" in listing
    await bot.send("/pronounce chat sql", chat=GROUP, user=4444)
    assert "permission" in bot.last_text(GROUP)
    await bot.send("/pronounce chat sql", chat=GROUP)
    await bot.send("/speak SQL rocks", chat=GROUP, user=4444)
    assert bot.speech_requests()[-1].json["input"] == "SQL rocks"


async def test_chat_dictionary_only_in_groups(bot: Harness) -> None:
    await bot.send("/pronounce chat sql sequel")
    assert "permission" in bot.last_text() and "in a private chat" in bot.last_text()


async def test_a_long_listing_fits_one_message(bot: Harness) -> None:
    for i in range(100):
        await bot.service.set_pronunciation(bot_ref(), f"word{i:03d}", "w" * 100)
    await bot.send("/pronounce")
    text = bot.last_text()
    assert len(text) <= 4096 and "word000 → " in text and "… +" in text and "/pronounce WORD" in text


def bot_ref():
    from core.models import UserRef

    return UserRef(platform="telegram", user_id=str(USER))
