"""Adopting a ``speech:…`` voice ID made elsewhere, from the Clone page, over real HTTP: with the user's own key
(set on the configuration page) an ID the provider lists for that key becomes their voice, shown in Voices with
its ID; an ID not on their key, or no key of their own, is refused with the core's sentence and adds nothing."""

from __future__ import annotations

import html

from tests.app_fixtures import OPERATOR_KEY, USER_KEY
from tests.bots.web.conftest import TELEGRAM_USER, Client, Console


async def _clones(console: Console) -> list[tuple[str, str | None]]:
    return [(v.name, v.provider_id) for v in (await console.service.voices(TELEGRAM_USER)).clones]


async def test_a_voice_id_on_the_users_own_key_is_adopted_and_listed(console: Console, client: Client,
                                                                      fake_siliconflow) -> None:
    uri = fake_siliconflow.add_voice(USER_KEY, "made-elsewhere", text="hello there")
    status, page = await client.get("/clone")
    assert status == 200 and 'id="adopt-form"' in page and 'id="adopt-unavailable"' not in page

    # no key of their own yet: the core's sentence, nothing stored, what was typed kept
    status, page = await client.post("/clone/adopt", {"voice_id": uri, "name": "kurisu"})
    assert status == 400 and 'id="error"' in page and "only with the API key that made it" in html.unescape(page)
    assert f'value="{uri}"' in page and await _clones(console) == []

    status, page = await client.post("/config/key", {"api_key": USER_KEY})
    assert status == 200
    status, page = await client.post("/clone/adopt", {"voice_id": uri, "name": "kurisu"})
    assert status == 200 and 'id="error"' not in page
    assert 'id="adopted"' in page and f'<code id="adopted-id">{uri}</code>' in page
    assert await _clones(console) == [("kurisu", uri)]
    listed = [r for r in fake_siliconflow.requests_for("list") if r.status == 200]
    assert listed and listed[-1].api_key == USER_KEY

    status, page = await client.get("/voices")
    assert status == 200
    row = page.split('<tr data-voice="kurisu">')[1].split("</tr>")[0]
    assert f"<code>{uri}</code>" in row

    # the same ID again is said plainly (already yours, under its name)
    status, page = await client.post("/clone/adopt", {"voice_id": uri, "name": "again"})
    assert status == 400 and 'id="error"' in page and "kurisu" in page
    assert await _clones(console) == [("kurisu", uri)]


async def test_an_id_not_on_the_users_key_is_refused_in_the_readers_language(console: Console, client: Client,
                                                                             fake_siliconflow) -> None:
    theirs = fake_siliconflow.add_voice(OPERATOR_KEY, "operators")
    await client.post("/config/key", {"api_key": USER_KEY})
    status, page = await client.post("/clone/adopt", {"voice_id": theirs, "name": "borrowed"})
    text = html.unescape(page)
    assert status == 400 and 'id="error"' in page and "Your API key's voice list has no voice" in text
    status, page = await client.post("/clone/adopt", {"voice_id": theirs, "name": "borrowed"},
                                     headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert status == 400 and "你的 API 密钥下的音色列表中没有" in html.unescape(page)
    status, page = await client.post("/clone/adopt", {"voice_id": "not-a-voice-id", "name": "odd"})
    assert status == 400 and 'id="error"' in page
    assert await _clones(console) == []
    status, page = await client.get("/voices")
    assert theirs not in page and 'id="no-clones"' in page
    assert all(USER_KEY.encode() not in body for body in client.bodies)
