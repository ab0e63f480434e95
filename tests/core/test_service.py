"""``VoiceService`` (core/service.py): the facade wires every use case once, and each of its
methods hands its arguments to the right use case and gives back what that returned."""

from __future__ import annotations

from typing import Any

import pytest

from core import keys
from core.accounts import Accounts
from core.characters import Characters
from core.cloning import Cloning
from core.dictionary import Dictionary
from core.identity import Identities
from core.settings import Settings
from core.speech import Speech
from core.voices import Voices
from tests.core.people import ALICE

CASES = {"identities": Identities, "voices": Voices, "cloning": Cloning, "settings": Settings,
         "characters": Characters, "dictionary": Dictionary, "accounts": Accounts, "speech": Speech}
CHARACTER = object()
EDIT = object()

#: facade method, its arguments, the use case and method it must call, with the arguments it must pass on.
ASYNC_DELEGATES: list[tuple[str, tuple, dict, str, str, tuple, dict]] = [
    ("prepare", (ALICE, "hi"), {"voice": "bella"}, "speech", "prepare", (ALICE, "hi"), {"voice": "bella"}),
    ("speak", (ALICE, "hi"), {}, "speech", "speak", (ALICE, "hi"), {"fmt": "ogg"}),
    ("speak", (ALICE, "hi"), {"fmt": "mp3"}, "speech", "speak", (ALICE, "hi"), {"fmt": "mp3"}),
    ("set_voice", (ALICE, "bella"), {}, "settings", "update", (ALICE,), {"voice": "bella"}),
    ("share_voice", (ALICE, "mine", True), {}, "voices", "share", (ALICE, "mine", True), {}),
    ("delete_voice", (ALICE, "mine"), {}, "voices", "delete", (ALICE, "mine"), {}),
    ("check_clone_audio", (b"RIFF",), {}, "cloning", "check_audio", (b"RIFF", None), {}),
    ("check_clone_request", (ALICE, "mine"), {}, "cloning", "check_request", (ALICE, "mine"), {}),
    ("hold_clone_request", (ALICE,), {"name": "mine"}, "cloning", "hold_request", (ALICE,), {"name": "mine"}),
    ("take_clone_request", (ALICE, "t0k"), {}, "cloning", "take_request", (ALICE, "t0k"), {}),
    ("clone", (ALICE, b"x", "mine"), {"consent": True}, "cloning", "clone", (ALICE, b"x", "mine"), {"consent": True}),
    ("complete_clone", (ALICE, b"x", "mine"), {}, "cloning", "complete", (ALICE, b"x", "mine"), {}),
    ("settings", (ALICE,), {}, "settings", "view", (ALICE,), {}),
    ("update_settings", (ALICE,), {"speed": 1.5}, "settings", "update", (ALICE,), {"speed": 1.5}),
    ("set_style", (ALICE, "耳语"), {}, "settings", "set_style", (ALICE, "耳语"), {}),
    ("update_scope_settings", (ALICE,), {"is_admin": True, "speed": 2.0}, "settings", "update_scope", (ALICE,),
     {"is_admin": True, "speed": 2.0}),
    ("scope_options", ("discord:1",), {}, "settings", "scope_options", ("discord:1",), {}),
    ("update_scope_options", ("discord:1",), {"announce": False}, "settings", "update_scope_options",
     ("discord:1",), {"announce": False}),
    ("edit_scope_options", ("discord:1", EDIT), {}, "settings", "edit_scope_options", ("discord:1", EDIT), {}),
    ("scopes_with_option", ("autoread",), {}, "settings", "scopes_with_option", ("autoread",), {"platform": None}),
    ("ui_language", (ALICE,), {}, "settings", "ui_language", (ALICE,), {}),
    ("set_ui_language", (ALICE, "ja"), {}, "settings", "set_ui_language", (ALICE, "ja"), {}),
    ("create_character", (ALICE, "Okabe"), {"voice": "alex"}, "characters", "create", (ALICE, "Okabe"),
     {"voice": "alex"}),
    ("characters", ("discord:1",), {}, "characters", "list", ("discord:1",), {}),
    ("character_voice_name", (CHARACTER,), {}, "characters", "voice_name", (CHARACTER,), {}),
    ("update_character", (ALICE, "Okabe"), {"is_admin": False, "speed": 1.2}, "characters", "update",
     (ALICE, "Okabe"), {"is_admin": False, "speed": 1.2}),
    ("delete_character", (ALICE, "Okabe"), {"is_admin": True}, "characters", "delete", (ALICE, "Okabe"),
     {"is_admin": True}),
    ("pronunciations", (ALICE,), {}, "dictionary", "entries", (ALICE,), {"server": False}),
    ("set_pronunciation", (ALICE, "SQL", "sequel"), {"server": True}, "dictionary", "set", (ALICE, "SQL", "sequel"),
     {"server": True, "is_admin": False}),
    ("remove_pronunciation", (ALICE, "SQL"), {"is_admin": True}, "dictionary", "remove", (ALICE, "SQL"),
     {"server": False, "is_admin": True}),
    ("user_id", (ALICE,), {}, "identities", "user_id", (ALICE,), {}),
    ("start_link", (ALICE,), {}, "identities", "start_link", (ALICE,), {}),
    ("link_preview", (ALICE, "ABC"), {}, "identities", "link_preview", (ALICE, "ABC"), {}),
    ("complete_link", (ALICE, "ABC"), {}, "identities", "complete_link", (ALICE, "ABC"), {}),
    ("linked_platforms", (ALICE,), {}, "identities", "linked_platforms", (ALICE,), {}),
    ("unlink", (ALICE,), {}, "identities", "unlink", (ALICE,), {}),
    ("set_api_key", (ALICE, "sk-x"), {}, "accounts", "set_api_key", (ALICE, "sk-x"), {}),
    ("clear_api_key", (ALICE,), {}, "accounts", "clear_api_key", (ALICE,), {}),
    ("usage", (ALICE,), {}, "accounts", "usage", (ALICE,), {}),
    ("forget", (ALICE,), {}, "accounts", "forget", (ALICE,), {}),
]


class Spy:
    def __init__(self, result: Any, *, is_async: bool) -> None:
        self.result, self.is_async, self.calls = result, is_async, []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append((args, kwargs))
        if not self.is_async:
            return self.result

        async def answer() -> Any:
            return self.result

        return answer()


def test_every_use_case_is_wired_once_on_the_one_store(local_app) -> None:
    svc = local_app.service
    for name, kind in CASES.items():
        assert isinstance(getattr(svc.cases, name), kind), name
    assert svc.engines.offline is svc.local and svc.engines.remote is svc.remote
    assert svc.engine == svc.engines.default == "local"  # the operator chose the offline engine


@pytest.mark.parametrize(("method", "args", "kwargs", "case", "target", "passed_args", "passed_kwargs"),
                         ASYNC_DELEGATES, ids=[f"{row[0]}{i}" for i, row in enumerate(ASYNC_DELEGATES)])
async def test_each_method_is_its_use_cases(local_app, monkeypatch, method, args, kwargs, case, target,
                                            passed_args, passed_kwargs) -> None:
    svc = local_app.service
    result = object()
    spy = Spy(result, is_async=True)
    monkeypatch.setattr(getattr(svc.cases, case), target, spy)
    assert await getattr(svc, method)(*args, **kwargs) is result
    assert spy.calls == [(passed_args, passed_kwargs)]


def test_the_synchronous_ones(local_app, monkeypatch) -> None:
    svc = local_app.service
    session, notes, pcm = object(), object(), object()
    monkeypatch.setattr(svc.cases.speech, "session", spy_session := Spy(session, is_async=False))
    monkeypatch.setattr(svc.cases.speech, "release", spy_release := Spy(None, is_async=False))
    monkeypatch.setattr(svc.cases.speech.renderer, "notes", spy_notes := Spy(notes, is_async=False))
    monkeypatch.setattr(svc.cases.speech.renderer, "stream", spy_stream := Spy(pcm, is_async=False))
    utt = object()
    assert svc.session(ALICE, "hi", voice="anna") is session
    assert spy_session.calls == [((ALICE, "hi"), {"voice": "anna"})]
    svc.release(utt)  # type: ignore[arg-type]
    assert spy_release.calls == [((utt,), {})]
    assert svc.render_notes(utt) is notes and spy_notes.calls == [((utt, "ogg"), {"waveform": True})]  # type: ignore[arg-type]
    svc.render_notes(utt, waveform=False)  # type: ignore[arg-type]
    assert spy_notes.calls[-1] == ((utt, "ogg"), {"waveform": False})
    assert svc.stream_pcm(utt) is pcm and spy_stream.calls == [((utt,), {})]  # type: ignore[arg-type]
    assert svc.presets() == svc.cases.voices.presets() and len(svc.presets()) == 8
    assert svc.can_clone() is svc.engines.can_clone is True  # the remote engine clones on users' own keys
    assert svc.fingerprint("sk-abc") == keys.fingerprint("sk-abc")


async def test_voices_lists_with_the_users_current_voice(local_app) -> None:
    svc = local_app.service
    await svc.set_voice(ALICE, "bella")
    listing = await svc.voices(ALICE)
    assert listing == await svc.cases.voices.listing(ALICE, current="bella")
