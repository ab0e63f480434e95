"""The console's security rules, over real HTTP without a browser: one-time links, sessions, CSRF, rate
limits, one account's data only, and the API key never sent back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bots.web.security import SignInLimiter
from core.models import UserRef
from tests.app_fixtures import USER_KEY
from tests.bots.web.conftest import OTHER_USER, TELEGRAM_USER, Client, Console
from tests.samples import ogg_bytes, speech_like

PAGES = ("/speak", "/clone", "/voices", "/config", "/dictionary", "/usage", "/accounts", "/forget")


async def test_a_link_opens_a_session_once(console: Console) -> None:
    link = await console.link()
    stranger = await console.browser(None)
    try:
        status, page = await stranger.get(link)  # a preview fetch: shows a button, uses nothing up
        assert status == 200 and 'action="/signin/' in page
        response = await stranger.post_raw(link)
        assert response.status == 303 and response.headers["Location"] == "/speak"
        cookie = response.headers["Set-Cookie"]
        assert "vb_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # plain http on loopback
        for path in PAGES:
            status, _ = await stranger.get(path)
            assert status == 200, path
        again = await (await console.browser(None)).post_raw(link)
        assert again.status == 403 and "vb_session" not in again.headers.get("Set-Cookie", "")
    finally:
        await stranger.close()


async def test_strangers_forged_and_expired_links_get_nothing(console: Console) -> None:
    stranger = await console.browser(None)
    try:
        for path in PAGES:
            status, _ = await stranger.get(path)
            assert status == 303, path
        link = await console.link()
        nonce, _, signature = link.rpartition("/")[2].partition(".")
        forged = f"{console.url}/signin/{nonce}.{'A' * len(signature)}"
        assert (await stranger.post_raw(forged)).status == 403
        assert (await stranger.post_raw(f"{console.url}/signin/nonsense")).status == 403
        console.service.web._now = lambda: datetime.now(UTC) + timedelta(minutes=11)  # the link is 11 min old
        response = await stranger.post_raw(link)
        assert response.status == 403
        status, page = await stranger.get("/speak")
        assert status == 303
    finally:
        await stranger.close()


async def test_the_secure_flag_follows_the_public_url(make_console) -> None:
    console = await make_console(public_url="https://voice.example.org")
    link = await console.link()
    assert link.startswith("https://voice.example.org/signin/")
    local = link.replace("https://voice.example.org", console.url)
    client = await console.browser(None)
    try:
        response = await client.post_raw(local)
        assert response.status == 303 and "Secure" in response.headers["Set-Cookie"]
    finally:
        await client.close()


async def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(console: Console, client: Client) -> None:
    before = await console.service.settings(TELEGRAM_USER)
    for data in ({"speed": "2", "language": "en"}, {"speed": "2", "language": "en", "csrf": "forged"}):
        status, page = await client.post("/config", data, csrf=False)
        assert status == 403 and "did not come from this page" in page
    status, _ = await client.post("/config", {"speed": "2"}, csrf=False, headers={"X-CSRF-Token": "nope"})
    assert status == 403
    assert (await console.service.settings(TELEGRAM_USER)).user == before.user
    # a multipart form (clone) must carry its token first
    from aiohttp import FormData

    form = FormData()
    form.add_field("name", "kurisu")
    form.add_field("consent", "yes")
    form.add_field("audio", ogg_bytes(speech_like(6.0)), filename="ref.ogg", content_type="audio/ogg")
    status, page = await client.post("/clone", form, csrf=False)
    assert status == 403
    assert (await console.service.voices(TELEGRAM_USER)).clones == []
    # with the token, the same change goes through
    status, page = await client.post("/config", {"speed": "2", "language": "en"})
    assert status == 200 and "Saved." in page
    assert (await console.service.settings(TELEGRAM_USER)).effective.speed == 2.0


async def test_bad_input_is_said_in_the_page_in_the_readers_language(console: Console, client: Client) -> None:
    status, page = await client.post("/config", {"speed": "9"}, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert status == 400 and 'id="error"' in page and "0.25" in page and "语速" in page
    status, page = await client.post("/speak", {"text": ""}, headers={"Accept-Language": "ja"})
    assert status == 400 and 'id="error"' in page and "<html lang=\"ja\">" in page
    status, page = await client.get("/voices?lang=zh")
    assert "<html lang=\"zh\">" in page
    status, page = await client.get("/voices")  # the choice is remembered (cookie)
    assert "<html lang=\"zh\">" in page


async def test_sign_out_and_forget_end_the_session(console: Console, client: Client) -> None:
    status, page = await client.post("/signout", {})
    assert status == 200 and "signed out" in page
    assert (await client.get("/speak"))[0] == 303
    other = await console.browser()
    try:
        await other.get("/forget")
        status, page = await other.post("/forget", {})  # not confirmed: nothing happens
        assert status == 400 and (await other.get("/speak"))[0] == 200
        status, page = await other.post("/forget", {"confirm": "yes"})
        assert status == 200 and "deleted" in page
        assert (await other.get("/speak"))[0] == 303
    finally:
        await other.close()


async def test_sign_in_attempts_are_rate_limited(make_console) -> None:
    console = await make_console(limiter=SignInLimiter(per_minute=3))
    client = await console.browser(None)
    try:
        statuses = [(await client.post_raw(f"{console.url}/signin/x.y")).status for _ in range(4)]
        assert statuses == [403, 403, 403, 429]
        response = await client.post_raw(await console.link())  # even a good link waits now
        assert response.status == 429
    finally:
        await client.close()


async def test_another_accounts_voice_and_audio_are_out_of_reach(console: Console, client: Client) -> None:
    voice = await console.service.clone(OTHER_USER, ogg_bytes(speech_like(6.0)), "theirs", consent=True)
    assert voice.provider_id
    other = await console.browser(OTHER_USER)
    try:
        await other.get("/speak")
        status, page = await other.post("/speak", {"text": "Only mine.", "voice": "theirs"})
        assert status == 200
        clip = page.split('src="/clips/')[1].split('"')[0]
        assert (await other.get(f"/clips/{clip}"))[0] == 200
        assert (await client.get(f"/clips/{clip}"))[0] == 404
        status, page = await client.get("/voices")
        assert "theirs" not in page and voice.provider_id not in page
        assert (await client.get("/voices/sample?voice=theirs"))[0] == 404
        status, page = await client.post("/voices/delete", {"voice": "theirs"})
        assert status == 400
        status, page = await client.post("/speak", {"text": "Hi", "voice": "theirs"})
        assert status == 400
        assert [v.name for v in (await console.service.voices(OTHER_USER)).clones] == ["theirs"]
    finally:
        await other.close()


async def test_the_api_key_is_never_sent_back(console: Console, client: Client) -> None:
    await client.get("/config")
    status, page = await client.post("/config/key", {"api_key": USER_KEY})
    assert status == 200 and "…" + USER_KEY[-4:] in page
    for path in PAGES:
        await client.get(path)
    await client.post("/speak", {"text": "Paid with my key."})
    assert client.bodies and all(USER_KEY.encode() not in body for body in client.bodies)
    assert (await console.service.settings(TELEGRAM_USER)).api_key_hint


async def test_a_session_belongs_to_the_account_so_links_share_it(console: Console) -> None:
    discord = UserRef(platform="discord", user_id="777", is_private=True)
    code = await console.service.start_link(TELEGRAM_USER)
    await console.service.complete_link(discord, code)
    client = await console.browser(discord)  # /web on Discord opens the linked account
    try:
        await client.get("/config")
        status, _ = await client.post("/config", {"speed": "1.25", "language": "ja"})
        assert status == 200
        status, page = await client.get("/accounts")
        assert "Telegram" in page and "Discord" in page
    finally:
        await client.close()
    assert (await console.service.settings(TELEGRAM_USER)).effective.speed == 1.25


async def test_clone_asks_consent_before_anything_is_uploaded(console: Console, client: Client,
                                                              fake_siliconflow) -> None:
    from aiohttp import FormData

    def clone_form(consent: bool) -> FormData:
        form = FormData()
        form.add_field("csrf", client.csrf)
        form.add_field("name", "kurisu")
        if consent:
            form.add_field("consent", "yes")
        form.add_field("audio", ogg_bytes(speech_like(6.0)), filename="ref.ogg", content_type="audio/ogg")
        return form

    status, page = await client.post("/clone", clone_form(False))
    assert status == 400 and "confirmation that the voice is yours" in page
    assert fake_siliconflow.requests_for("upload") == []
    status, page = await client.post("/clone", clone_form(True))
    assert status == 200 and 'id="voice-id">speech:' in page
    status, page = await client.post("/clone", clone_form(True))  # the name is taken now: said, nothing uploaded
    assert status == 400 and 'id="error"' in page
    assert len([r for r in fake_siliconflow.requests_for("upload") if r.status == 200]) == 1
