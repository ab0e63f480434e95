"""/speak as a reply to a Telegram message that is not only text (bots/telegram/readaloud.py): described in the
listener's language ("Anna sent a sticker", "发送了一个投票：…"), a caption read with what it came with."""

from __future__ import annotations

from typing import Any

from tests.bots.telegram.conftest import GROUP, Harness


async def _posted(bot: Harness, user: int = 2002, **fields: Any) -> dict[str, Any]:
    """A user's message in the group with ``fields`` (sticker, poll …) the fake's helper does not build."""
    msg = bot.updates.message_dict(GROUP, user, fields.pop("text", None), caption=fields.pop("caption", None))
    msg.update(fields)
    await bot.feed(bot.updates.wrap(msg))
    return msg


STICKER = {"file_id": "s", "file_unique_id": "s", "width": 512, "height": 512, "is_animated": False,
           "is_video": False, "type": "regular"}
POLL = {"id": "1", "question": "Pizza tonight?", "options": [{"text": "yes", "voter_count": 0, "persistent_id": "a"}],
        "total_voter_count": 0, "is_closed": False, "is_anonymous": True, "type": "regular",
        "allows_multiple_answers": False, "allows_revoting": False,
        "members_only": False}
PHOTO = [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]


async def test_a_sticker_a_poll_and_a_captioned_photo_are_described(bot: Harness) -> None:
    sticker = await _posted(bot, sticker=STICKER)
    await bot.send("/speak", chat=GROUP, reply_to=sticker)
    poll = await _posted(bot, poll=POLL)
    await bot.send("/speak", chat=GROUP, reply_to=poll)
    photo = await _posted(bot, caption="our cat", photo=PHOTO)
    await bot.send("/speak", chat=GROUP, reply_to=photo)
    inputs = [r.json["input"] for r in bot.speech_requests()]
    assert inputs[-3:] == ["User2002 sent a sticker.", "User2002 sent a poll: Pizza tonight?",
                           "our cat (with an image)"]


async def test_described_in_the_listeners_language(bot: Harness) -> None:
    sticker = await _posted(bot, sticker=STICKER)
    msg = bot.updates.message_dict(GROUP, 1001, "/speak", lang="zh-hans", reply_to=sticker)
    await bot.feed(bot.updates.wrap(msg))
    assert bot.speech_requests()[-1].json["input"] == "User2002发送了一个贴纸。"
