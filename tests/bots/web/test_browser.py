"""The console in a real browser: the distribution's Chromium driven by Playwright, against the console served
on loopback with the real App (SQLite, the fake SiliconFlow) and a Telegram bot on the fake Bot API.

One browser for the module; every wait is bounded (``TIMEOUT``). With ``VOICEBRIDGE_SCREENSHOTS=DIR`` each
page is saved to ``DIR/<page>.png`` (the README's pictures come from ``docs/screenshots``).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestServer

from bots.app import App, build_app
from bots.telegram.runner import build_application
from bots.web.security import SignInLimiter
from bots.web.server import build_web_app
from core.config import load_config
from core.models import UserRef
from tests.bots.telegram.conftest import FAST, Harness, bot_settings, ogg_voice
from tests.fakes.siliconflow import FakeSiliconFlow
from tests.fakes.siliconflow_fixtures import OPERATOR_KEY, USER_KEY
from tests.fakes.telegram import FakeTelegram

playwright_api = pytest.importorskip("playwright.async_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.asyncio(loop_scope="module"),
              pytest.mark.skipif(CHROMIUM is None, reason="no chromium (scripts/test installs it)")]

TIMEOUT = 15_000  # ms, for every wait in the browser
TG_USER = 4242
ME = UserRef(platform="telegram", user_id=str(TG_USER), is_private=True)
SOMEONE_ELSE = UserRef(platform="telegram", user_id="5353", is_private=True)
SHOTS = os.environ.get("VOICEBRIDGE_SCREENSHOTS")


@pytest.fixture(scope="module")
def sf() -> Any:
    with FakeSiliconFlow(api_keys={OPERATOR_KEY, USER_KEY}) as fake:
        yield fake


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def app(tmp_path_factory: pytest.TempPathFactory, sf: FakeSiliconFlow) -> AsyncIterator[App]:
    built = await build_app(load_config(
        data_dir=tmp_path_factory.mktemp("web-browser"), provider="siliconflow", siliconflow_base_url=sf.base_url,
        siliconflow_api_key=OPERATOR_KEY, requests_per_minute=0, provider_backoff=0.01))
    yield built
    await built.aclose()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def base_url(app: App) -> AsyncIterator[str]:
    # every test signs in again, from one address: more than the real limit of 10 a minute
    server = TestServer(build_web_app(app.service, limiter=SignInLimiter(per_minute=1000)), host="127.0.0.1")
    await server.start_server()
    app.service.web.base_url = str(server.make_url("")).rstrip("/")
    yield app.service.web.base_url
    await server.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def telegram(app: App, sf: FakeSiliconFlow) -> AsyncIterator[Harness]:
    async with FakeTelegram() as tg:
        application = build_application(app, bot_settings(tg), options=FAST, with_updater=False)
        await application.initialize()
        yield Harness(app, application, tg, sf)
        await application.shutdown()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Any]:
    async with playwright_api.async_playwright() as p:
        launched = await p.chromium.launch(executable_path=CHROMIUM, timeout=TIMEOUT,
                                            # a fake microphone (a beeping tone) for recording in the page
                                            args=["--no-sandbox", "--use-fake-ui-for-media-stream",
                                                  "--use-fake-device-for-media-stream"])
        yield launched
        await launched.close()


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Any, base_url: str) -> AsyncIterator[Any]:
    """A fresh browser context (its own cookies) that records every response body, for the key scan."""
    context = await browser.new_context(base_url=base_url, locale="en-US", viewport={"width": 1280, "height": 800})
    await context.grant_permissions(["clipboard-read", "clipboard-write", "microphone"], origin=base_url)
    context.set_default_timeout(TIMEOUT)
    tab = await context.new_page()
    tab.bodies = []  # type: ignore[attr-defined]

    async def keep(response: Any) -> None:
        try:
            tab.bodies.append(await response.body())  # type: ignore[attr-defined]
        except Exception:  # a redirect or an aborted request has no body
            pass

    tab.on("response", keep)
    yield tab
    await context.close()


async def sign_in(page: Any, app: App, user: UserRef = ME) -> None:
    link = await app.service.web_link(user)
    await page.goto(link)
    await page.click("#sign-in")
    await page.wait_for_url("**/speak")


async def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


async def audio_duration(page: Any, selector: str) -> float:
    """The duration the browser reports for an <audio> once its metadata loaded (bounded wait)."""
    handle = await page.wait_for_function(
        """(sel) => { const a = document.querySelector(sel);
                      if (!a) return null;
                      if (a.readyState < 1) { a.load && a.preload !== 'auto' && (a.preload = 'auto'); return null; }
                      return a.duration; }""", arg=selector, timeout=TIMEOUT)
    return float(await handle.json_value())


async def test_sign_in_speak_and_play(page: Any, app: App) -> None:
    await page.goto("/")
    await shot(page, "signin")
    await sign_in(page, app)
    await page.fill("#text", "Hello from the web console. 你好。")
    await page.select_option("#voice", "bella")
    await page.fill("#speed", "1.25")
    await shot(page, "speak-form")
    await page.click("#speak")
    await page.wait_for_selector("#result audio")
    assert await audio_duration(page, "#audio-0") > 0.5
    assert await page.get_attribute("#audio-0", "src") and "/clips/" in await page.get_attribute("#audio-0", "src")
    await shot(page, "speak")


async def test_web_in_telegram_gives_a_link_that_signs_in(page: Any, telegram: Harness) -> None:
    await telegram.send("/web", chat=TG_USER, user=TG_USER)
    sent = telegram.last("sendMessage", TG_USER)
    assert sent.params["link_preview_options"]["is_disabled"] is True  # no preview card fetches the link
    link = re.search(r"http://\S+/signin/\S+", sent.params["text"]).group(0)  # type: ignore[union-attr]
    await page.goto(link)
    await page.click("#sign-in")
    await page.wait_for_url("**/speak")
    assert await page.locator("#sign-out").count() == 1


async def test_a_used_link_is_refused(page: Any, app: App) -> None:
    link = await app.service.web_link(ME)
    await page.goto(link)
    await page.click("#sign-in")
    await page.wait_for_url("**/speak")
    await page.goto(link)
    await page.click("#sign-in")
    assert "already used" in await page.inner_text("#message")


async def test_clone_copy_test_and_delete(page: Any, app: App, sf: FakeSiliconFlow, tmp_path: Path) -> None:
    reference = tmp_path / "reference.ogg"
    reference.write_bytes(ogg_voice(8.0))
    await sign_in(page, app)
    await page.goto("/clone")
    await page.fill("#clone-name", "kurisu")
    await page.check("#clone-consent")
    await page.set_input_files("#clone-file", str(reference))
    await page.click("#clone")
    voice_id = (await page.inner_text("#voice-id")).strip()
    assert voice_id.startswith("speech:") and voice_id in {v["uri"] for v in sf.voices(OPERATOR_KEY)}
    await page.click("#copy-id")
    assert await page.evaluate("navigator.clipboard.readText()") == voice_id
    await page.evaluate("document.querySelector('#test-audio').load()")
    assert await audio_duration(page, "#test-audio") > 0.3
    await shot(page, "clone")
    await page.goto("/voices")
    assert await page.locator("#clones tr[data-voice='kurisu']").count() == 1
    await shot(page, "voices")
    page.once("dialog", lambda dialog: dialog.accept())
    await page.click("#clones tr[data-voice='kurisu'] button.danger")
    await page.wait_for_selector("#notice")
    assert await page.locator("#clones tr[data-voice='kurisu']").count() == 0
    assert voice_id not in {v["uri"] for v in sf.voices(OPERATOR_KEY)}  # gone at the provider too


async def test_record_in_the_page_and_clone(page: Any, app: App, sf: FakeSiliconFlow) -> None:
    """MediaRecorder → the form's file input → the same clone flow (Chromium's fake microphone)."""
    await sign_in(page, app)
    await page.goto("/clone")
    await page.fill("#clone-name", "recorded")
    await page.check("#clone-consent")
    await page.click("#record")
    await page.wait_for_function("() => document.querySelector('#record').textContent.trim() === 'Stop'")
    await page.wait_for_timeout(6000)  # six seconds of "speech" (not an assertion on time)
    await page.click("#record")
    await page.wait_for_function("() => document.querySelector('#clone-file').files.length === 1")
    assert await page.evaluate("() => document.querySelector('#clone-file').files[0].size") > 1000
    await page.click("#clone")
    voice_id = (await page.inner_text("#voice-id")).strip()
    assert voice_id.startswith("speech:") and voice_id in {v["uri"] for v in sf.voices(OPERATOR_KEY)}
    assert [v.name for v in (await app.service.voices(ME)).clones if v.provider_id == voice_id] == ["recorded"]


async def test_settings_from_the_page_are_what_the_telegram_bot_uses(page: Any, app: App, telegram: Harness,
                                                                     sf: FakeSiliconFlow) -> None:
    await sign_in(page, app)
    await page.goto("/config")
    await page.select_option("#voice", "claire")
    await page.fill("#speed", "1.5")
    await page.fill("#gain", "2")
    await page.select_option("#language", "en")
    await page.click("#save-config")
    await page.wait_for_selector("#notice")
    await shot(page, "config")
    before = len(sf.requests_for("speech"))
    await telegram.send("/speak Settings from the web.", chat=TG_USER, user=TG_USER)
    sent = [r for r in sf.requests_for("speech")[before:] if r.status == 200]
    assert sent, "the bot asked for no speech"
    assert sent[-1].json["voice"].endswith(":claire") and sent[-1].json["speed"] == 1.5
    assert sent[-1].json["gain"] == 2.0
    assert telegram.voices_sent(TG_USER)


async def test_the_other_pages_render(page: Any, app: App) -> None:
    await sign_in(page, app)
    await page.goto("/dictionary")
    await page.fill("#word", "SQL")
    await page.fill("#spoken", "sequel")
    await page.click("#add-word")
    await page.wait_for_selector("#entries")
    await shot(page, "dictionary")
    uid = await app.service.user_id(ME)
    today = datetime.now(UTC).date()
    for days_ago, nbytes in ((1, 420), (2, 180), (4, 960), (7, 300), (12, 640)):  # earlier days, for the chart
        await app.store.add_usage(uid, nbytes, day=today - timedelta(days=days_ago))
    await page.goto("/usage")
    assert await page.locator("#usage-chart rect.bar").count() == 30
    heights = [float(h) for h in await page.locator("#usage-chart rect.bar").evaluate_all(
        "bars => bars.map(b => b.getAttribute('height'))")]
    assert all(heights[-1 - days_ago] > 0 for days_ago in (1, 2, 4, 7, 12)) and heights[-4] == 0  # none 3 days ago
    await shot(page, "usage")
    await page.goto("/accounts")
    assert "Telegram" in await page.inner_text("#platforms")
    await shot(page, "accounts")
    await page.goto("/forget")
    await shot(page, "forget")
    await page.goto("/voices?lang=zh")
    assert await page.get_attribute("html", "lang") == "zh"
    await shot(page, "voices-zh")
    await page.goto("/config?lang=ja")
    await shot(page, "config-ja")
    await page.goto("/speak?lang=en")


async def test_a_post_without_its_csrf_token_is_refused(page: Any, app: App) -> None:
    await sign_in(page, app)
    await page.goto("/config")
    await page.evaluate("document.querySelector('#config-form input[name=csrf]').remove()")
    await page.fill("#speed", "3")
    await page.click("#save-config")
    assert "did not come from this page" in await page.inner_text("#message")
    assert (await app.service.settings(ME)).effective.speed != 3.0


async def test_another_accounts_voice_is_not_reachable(page: Any, app: App) -> None:
    await app.service.clone(SOMEONE_ELSE, ogg_voice(6.0), "secretvoice", consent=True)
    await sign_in(page, app)
    await page.goto("/voices")
    assert "secretvoice" not in await page.content()
    response = await page.goto("/voices/sample?voice=secretvoice")
    assert response is not None and response.status == 404
    await page.goto("/speak")
    options = await page.locator("#voice option").all_inner_texts()
    assert not any("secretvoice" in o for o in options)


async def test_the_api_key_never_appears_in_any_response(page: Any, app: App) -> None:
    await sign_in(page, app)
    await page.goto("/config")
    await page.fill("#api-key", USER_KEY)
    await page.click("#save-key")
    await page.wait_for_selector("#notice")
    assert "…" + USER_KEY[-4:] in await page.inner_text("#key-state")
    assert await page.input_value("#api-key") == ""
    for path in ("/speak", "/clone", "/voices", "/config", "/dictionary", "/usage", "/accounts", "/forget"):
        await page.goto(path)
    await page.goto("/speak")
    await page.fill("#text", "Paid with my own key.")
    await page.click("#speak")
    await page.wait_for_selector("#result audio")
    bodies = page.bodies  # type: ignore[attr-defined]
    assert len(bodies) > 10
    assert not [b for b in bodies if USER_KEY.encode() in b]
    await page.click("#sign-out")
    assert "signed out" in await page.inner_text("#message")
